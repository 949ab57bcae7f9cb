// A user's app bundled by Vite: two MLS clients whose state lives in IndexedDB, encrypted
// with the default non-extractable key. `?phase=setup` creates them and exchanges; after the
// page is closed, `?phase=resume` restores both and keeps exchanging; `?phase=inspect` reads
// the raw IndexedDB records; `?phase=lock` holds Alice's identity (a second tab).
import { Client, IndexedDbStore } from 'hybrid-edge';
import { privateKeyToAccount } from 'viem/accounts';

const params = new URLSearchParams(location.search);
const phase = params.get('phase');
const keys = { alice: params.get('alice'), bob: params.get('bob') };
const SECRET = 'the safe is behind the painting';

async function open(who) {
  return Client.create({ signer: privateKeyToAccount(keys[who]), storage: await IndexedDbStore.open(`mls-${who}`) });
}

async function exchange(a, b, label) {
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

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Every record of an IndexedDB database's object store, as it sits on disk. */
async function rawRecords(db, store) {
  const req = indexedDB.open(db);
  const conn = await new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = conn.transaction(store, 'readonly');
  const get = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const [names, values] = await Promise.all([get(tx.objectStore(store).getAllKeys()), get(tx.objectStore(store).getAll())]);
  conn.close();
  return names.map((n, i) => [n, values[i]]);
}

async function run() {
  if (phase === 'setup') {
    const [alice, bob] = [await open('alice'), await open('bob')];
    const { group, welcome } = await alice.createGroup(await bob.createKeyPackages(1), { dm: true });
    const bobDm = await bob.joinFromWelcome(welcome);
    const got = await exchange(group, bobDm, 'setup');
    await bobDm.process(await group.encrypt(SECRET));
    localStorage.setItem('inFlight', hex(await bobDm.encrypt('sent before the reload')));
    return { got, groupId: group.id, epoch: group.epoch, addresses: [alice.address, bob.address] };
  }
  if (phase === 'resume') {
    const [alice, bob] = [await open('alice'), await open('bob')];
    const [aliceDm] = alice.groups();
    const [bobDm] = bob.groups();
    const inFlight = Uint8Array.from(localStorage.getItem('inFlight').match(/../g), (b) => parseInt(b, 16));
    const late = await aliceDm.process(inFlight);
    const before = await exchange(aliceDm, bobDm, 'resume');
    const rotated = await bobDm.rotateKeys();
    await aliceDm.process(rotated.commit);
    const after = await exchange(aliceDm, bobDm, 'rotated');
    const result = { late: late.type === 'application' && late.text, got: [...before, ...after], groupIds: [aliceDm.id, bobDm.id], epoch: aliceDm.epoch };
    await alice.close();
    await bob.close();
    return result;
  }
  if (phase === 'inspect') {
    const [[, key]] = await rawRecords('mls-alice', 'keys');
    const records = await rawRecords('mls-alice', 'records');
    // The page may use the non-extractable key (to find the private key), never export it.
    let exported = 'refused';
    try {
      await crypto.subtle.exportKey('raw', key);
      exported = 'exported';
    } catch {}
    let privateKey;
    const keyPairRecord = `mls/${hex(new TextEncoder().encode('SignatureKeyPair'))}`;
    for (const [name, value] of records) {
      const plain = new Uint8Array(
        await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: value.slice(1, 13), additionalData: new TextEncoder().encode(name) },
          key,
          value.slice(13),
        ),
      );
      // openmls's key pair record is postcard: the private key first (a one-byte varint
      // length and its bytes), then the 32-byte public key.
      if (name.startsWith(keyPairRecord) && plain[1 + plain[0]] === 32) privateKey = plain.slice(1, 1 + plain[0]);
    }
    const haystack = records.map(([name, value]) => `${name}:${hex(value)}:${new TextDecoder('latin1').decode(value)}`).join('\n');
    const needles = privateKey ? [hex(privateKey), new TextDecoder('latin1').decode(privateKey), JSON.stringify([...privateKey])] : [];
    return {
      records: records.length,
      keyType: key.constructor.name,
      extractable: key.extractable,
      exported,
      privateKeyFound: Boolean(privateKey) && privateKey.length >= 32,
      privateKeyStored: needles.some((n) => haystack.includes(n)),
      secretStored: haystack.includes(SECRET) || haystack.includes(hex(new TextEncoder().encode(SECRET))),
    };
  }
  if (phase === 'lock') {
    // Holds Alice's identity until the page goes away.
    const alice = await open('alice');
    return { holding: alice.address };
  }
  if (phase === 'second') {
    try {
      await open('alice');
      return { second: 'opened' };
    } catch (err) {
      return { second: err.code };
    }
  }
  throw new Error(`unknown phase ${phase}`);
}

run().then(
  (result) => (document.getElementById('out').textContent = JSON.stringify(result)),
  (err) => (document.getElementById('out').textContent = JSON.stringify({ error: err.code ?? String(err), message: err.message })),
);
