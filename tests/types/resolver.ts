// The resolver's types, as a consumer uses them (checked with tsc against the packed package).
import { Resolver, createResolver, indexedDbStore, type ResolverCacheStats, type ResolverOptions, type HybridEdgeErrorCode } from 'hybrid-edge';

const options: ResolverOptions = {
  rpc: { mainnet: ['https://eth.example', 'https://eth2.example'], base: 'https://base.example', 10: 'https://op.example' },
  cache: { forwardTtlMs: 60_000, store: indexedDbStore() },
  retry: { maxAttempts: 2 },
  baseL2Resolver: null,
};
const resolver: Resolver = createResolver(options);

export async function usage(): Promise<void> {
  const address: string | null = await resolver.resolveAddress('vitalik.eth', { coinType: 60 });
  const name: string | null = await resolver.lookupName('0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045', { chain: 'base' });
  const display: string = await resolver.getDisplayName('0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045');
  const avatar: string | null = await resolver.getAvatar('vitalik.eth');
  const text: string | null = await resolver.getText('vitalik.eth', 'url');
  const many: (string | null)[] = await resolver.resolveMany(['a.eth', 'b.eth']);
  for (const r of await resolver.resolveManySettled(['a.eth', 'b.eth'])) {
    const outcome: string | null = r.error ? r.error.code : r.address;
    void [r.name, outcome];
  }
  const { text: annotated, names } = await resolver.resolveNamesInText('pay alice.eth');
  const stats: ResolverCacheStats = resolver.getCacheStats();
  const code: HybridEdgeErrorCode = 'RpcUnavailable';
  resolver.clearCache();
  await resolver.flush();
  void [address, name, display, avatar, text, many, annotated, names[0]?.start, stats.inflightJoined, code];
}
