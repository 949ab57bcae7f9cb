// A Worker resolving names with the packed package's Resolver: the runtime's fetch to the
// RPC endpoint, and Workers KV as the cache store (a new Resolver per request, as isolates
// come and go: the second request finds the first one's answers in KV).
import { Resolver } from 'hybrid-edge';

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const resolver = new Resolver({ rpc: { mainnet: env.RPC }, cache: { store: env.KV } });
    try {
      const names = url.searchParams.getAll('name');
      const addresses = await resolver.resolveMany(names);
      const text = await resolver.resolveNamesInText(url.searchParams.get('text') ?? '');
      ctx.waitUntil(resolver.flush());
      return Response.json({ addresses, text: text.text, stats: resolver.getCacheStats() });
    } catch (err) {
      return Response.json({ error: { code: err.code, message: err.message } }, { status: 500 });
    }
  },
};
