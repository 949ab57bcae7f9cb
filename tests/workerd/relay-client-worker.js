// A Worker that uses RelayConnection with the runtime's own WebSocket (no constructor
// passed): it connects to the relay named in `?relay=`, signs with a WebCrypto Ed25519 key,
// publishes `?n=` messages and reads them back, and answers with what happened.
import { RelayConnection } from 'hybrid-edge';

export default {
  async fetch(request) {
    const params = new URL(request.url).searchParams;
    const n = Number(params.get('n') ?? '3');
    const topic = 'group/workerd';
    const keys = /** @type {CryptoKeyPair} */ (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']));
    const installationKey = new Uint8Array(/** @type {ArrayBuffer} */ (await crypto.subtle.exportKey('raw', keys.publicKey)));
    const relay = new RelayConnection({
      url: `${params.get('relay')}/workerd`,
      installationKey,
      sign: async (nonce) => new Uint8Array(await crypto.subtle.sign('Ed25519', keys.privateKey, /** @type {BufferSource} */ (nonce))),
      connection: { retry: { initialDelay: 20, maxDelay: 200 } },
    });
    const events = [];
    const messages = [];
    for (const type of /** @type {const} */ (['connected', 'reconnecting', 'failed', 'health'])) relay.on(type, (e) => events.push(e.type));
    relay.on('message', (e) => messages.push([e.seq, new TextDecoder().decode(e.payload)]));
    try {
      relay.subscribe(topic, 0);
      await relay.connect();
      const receipts = await Promise.all(Array.from({ length: n }, (_, i) => relay.publish(topic, `w${i + 1}`)));
      const deadline = Date.now() + 5000;
      while (messages.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      return Response.json({
        state: relay.state,
        seqs: receipts.map((r) => r.seq),
        messages,
        events,
        outboxSize: relay.outboxSize,
      });
    } catch (err) {
      return Response.json({ error: String(err), code: err.code, events }, { status: 500 });
    } finally {
      relay.dispose();
    }
  },
};
