// A Worker whose Durable Object hosts two MLS clients (Alice and Bob), each with its state in
// the object's storage (under its own prefix), encrypted with a key imported from a secret.
// `POST /setup` creates them, opens a DM and exchanges; `POST /resume`, after a restart of
// the runtime, restores both from storage and keeps exchanging both ways.
import { privateKeyToAccount } from 'viem/accounts';
import { Client, DurableObjectStore } from 'hybrid-edge';

const hex = (s) => Uint8Array.from(s.slice(2).match(/../g), (b) => parseInt(b, 16));

export class Peers {
  /** @param {any} ctx the object's state (`ctx.storage`) */
  constructor(ctx) {
    this.ctx = ctx;
  }

  async fetch(request) {
    const url = new URL(request.url);
    const input = await request.json();
    try {
      return Response.json(await this[url.pathname.slice(1)](input));
    } catch (err) {
      return Response.json({ error: { code: err.code, name: err.name, message: err.message } }, { status: 500 });
    }
  }

  async clients({ alice, bob, secret }) {
    const encryptionKey = await crypto.subtle.importKey('raw', hex(secret), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const open = (privateKey, prefix) =>
      Client.create({
        signer: privateKeyToAccount(privateKey),
        storage: new DurableObjectStore(this.ctx.storage, prefix),
        encryptionKey,
      });
    return [await open(alice, 'alice/'), await open(bob, 'bob/')];
  }

  async exchange(a, b, label) {
    const got = [];
    for (let i = 0; i < 2; i++) {
      /** @type {any} */
      const x = await b.process(await a.encrypt(`${label}: alice→bob ${i}`));
      /** @type {any} */
      const y = await a.process(await b.encrypt(`${label}: bob→alice ${i}`));
      got.push(x.text, y.text, x.sender, y.sender);
    }
    return got;
  }

  async setup(input) {
    const [alice, bob] = await this.clients(input);
    const { group, welcome } = await alice.createGroup(await bob.createKeyPackages(1), { dm: true });
    const bobDm = await bob.joinFromWelcome(welcome);
    const got = await this.exchange(group, bobDm, 'setup');
    // Left in flight across the restart.
    await this.ctx.storage.put('inFlight', await bobDm.encrypt('sent before the restart'));
    return { got, groupId: group.id, epoch: group.epoch, addresses: [alice.address, bob.address] };
  }

  async resume(input) {
    const [alice, bob] = await this.clients(input);
    const [aliceDm] = alice.groups();
    const [bobDm] = bob.groups();
    const late = /** @type {any} */ (await aliceDm.process(await this.ctx.storage.get('inFlight')));
    const before = await this.exchange(aliceDm, bobDm, 'resume');
    const rotated = await bobDm.rotateKeys();
    await aliceDm.process(rotated.commit);
    const after = await this.exchange(aliceDm, bobDm, 'rotated');
    return { late: late.text, got: [...before, ...after], groupIds: [aliceDm.id, bobDm.id], epoch: aliceDm.epoch };
  }

  /** Whether this runtime's WebCrypto takes PBKDF2 at `iterations`. */
  async pbkdf2({ iterations }) {
    const material = await crypto.subtle.importKey('raw', new TextEncoder().encode('pw'), 'PBKDF2', false, ['deriveBits']);
    try {
      await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: new Uint8Array(16), iterations }, material, 256);
      return { ok: true };
    } catch (err) {
      return { ok: false, message: String(err?.message ?? err) };
    }
  }
}

export default {
  fetch(request, env) {
    return env.PEERS.get(env.PEERS.idFromName('peers')).fetch(request);
  },
};
