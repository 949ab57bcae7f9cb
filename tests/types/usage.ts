// Type-checked with `tsc --noEmit` against the packed package: the API's types as users see them.
import { toChecksumAddress, shortenAddress, namehash, dnsEncode, labelhash, normalize, beautify } from 'hybrid-edge';
import type { HybridEdgeError, HybridEdgeErrorCode } from 'hybrid-edge';

const address: string = toChecksumAddress('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed');
const short: string = shortenAddress(address);
const node: string = namehash('foo.eth');
const dns: string = dnsEncode('test.eth');
const label: string = labelhash('eth');
const display: string = beautify(normalize('RaFfY.eth'));

function describe(err: unknown): HybridEdgeErrorCode | undefined {
  const e = err as HybridEdgeError;
  return e.code;
}
const code: HybridEdgeErrorCode = 'InvalidAddressChecksum';
// @ts-expect-error: not an error code hybrid-edge has.
const wrong: HybridEdgeErrorCode = 'NoSuchCode';
// @ts-expect-error: namehash takes a string.
namehash(42);

export { short, node, dns, label, display, describe, code, wrong };
