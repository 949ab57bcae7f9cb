// Type-checked with `tsc --noEmit` against the packed package: RelayConnection as users see it.
import { RelayConnection, RelayPool } from 'hybrid-edge';
import type { OutboxMessage, PublishReceipt, RelayConnectionOptions, RelayPoolOptions, RelayOutboxStore, TransportHealth, TransportState, WebSocketConstructor } from 'hybrid-edge';

declare const installationKey: Uint8Array;
declare const sign: (nonce: Uint8Array) => Promise<Uint8Array>;
declare const ws: WebSocketConstructor;
declare function use(...values: unknown[]): void;

const options: RelayConnectionOptions = {
  url: 'wss://relay.example.com/group-42',
  installationKey,
  sign,
  WebSocket: ws,
  connection: {
    timeout: 30000,
    retry: { maxAttempts: 10, backoffMultiplier: 2, initialDelay: 1000, maxDelay: 30000, jitter: 'full' },
    keepAlive: { enabled: true, interval: 30000, timeout: 10000 },
    pool: { maxConnections: 10, idleTimeout: 300000 },
  },
};
const rows = new Map<string, OutboxMessage>();
const outbox: RelayOutboxStore = {
  load: async () => [...rows.values()],
  put: (m) => { rows.set(m.topic, m); },
  delete: async (id) => { rows.delete(String(id[0])); },
};
const relay = new RelayConnection({ ...options, outbox });
const off: () => void = relay.on('reconnecting', ({ attempt, delayMs }) => use(attempt + delayMs));
relay.on('message', ({ topic, seq, payload }) => use(topic, seq, payload.length));
relay.on('health', (h) => use(h.healthy, h.checks.relayRoundTrip));
relay.on('members', ({ topic, seq, add, remove }) => use(topic, seq, add.join(), remove.length));
const granted: Promise<PublishReceipt> = relay.updateMembers('group/42', { add: ['0x00112233445566778899aabbccddeeff'] });
void granted;
// @ts-expect-error: ids are strings.
relay.updateMembers('group/42', { remove: [new Uint8Array(16)] });
relay.on('sendFailed', ({ id, topic }) => use(id.length, topic));
relay.subscribe('group/42', 7);
async function run(): Promise<number> {
  await relay.connect();
  const receipt: PublishReceipt = await relay.publish('group/42', new Uint8Array([1]));
  return receipt.seq;
}
const health: TransportHealth = relay.getHealthStatus();
const state: TransportState = relay.state;
// @ts-expect-error: not an event of RelayConnection.
relay.on('opened', () => {});
// @ts-expect-error: jitter is 'full' or 'none'.
const bad: RelayConnectionOptions = { ...options, connection: { retry: { jitter: 'half' } } };

export { off, run, health, state, bad };

// RelayPool: the options of RelayConnection with a base URL and a shard function.
declare const poolOptions: RelayPoolOptions;
const pool = new RelayPool({ ...poolOptions, shardOf: (topic: string) => topic.split('/')[0], connection: { pool: { maxConnections: 4, idleTimeout: 60000 } } });
pool.on('idleClosed', (e) => { const shard: string = e.shard; void shard; });
pool.on('message', (e) => { const s: string = e.shard; const seq: number = e.seq; void s; void seq; });
const poolReceipt: Promise<PublishReceipt> = pool.publish('group/1', 'hi');
void pool.updateMembers('group/1', { remove: [] });
void poolReceipt;
const poolSize: number = pool.size;
void poolSize;

// A pool shares one durable outbox among its shards.
declare const poolStore: RelayOutboxStore;
const durablePool = new RelayPool({ ...poolOptions, outbox: poolStore });
void durablePool;

// The global WebSocket of browsers and Workers fits, as does a constructor taking the URL only.
export const fromGlobal: WebSocketConstructor = WebSocket;
export const urlOnly: WebSocketConstructor = class {
  binaryType = 'arraybuffer';
  readyState = 0;
  constructor(readonly url: string) {}
  send(_data: Uint8Array): void {}
  close(): void {}
  addEventListener(): void {}
};
