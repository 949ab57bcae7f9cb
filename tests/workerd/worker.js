// A Worker that imports the packed package as a Worker project would (the `workerd`
// export condition; the .wasm as a compiled module) and answers with its results.
import { toChecksumAddress, shortenAddress, namehash, dnsEncode } from 'hybrid-edge';

export default {
  async fetch(request) {
    const url = new URL(request.url);
    const input = url.searchParams.get('q') ?? '';
    const run = (f) => {
      try {
        return { ok: f() };
      } catch (err) {
        return { error: { code: err.code, name: err.name, isError: err instanceof Error } };
      }
    };
    const body = {
      checksum: run(() => toChecksumAddress(input)),
      short: run(() => shortenAddress(input)),
      namehash: run(() => namehash(input)),
      dns: run(() => dnsEncode(input)),
    };
    return Response.json(body);
  },
};
