import { toChecksumAddress, shortenAddress, namehash, dnsEncode, scan, containsSensitiveData, redact, Client } from 'hybrid-edge';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

/** @returns {HTMLInputElement} */
const $ = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));
const fields = ['kind', 'checksum', 'short', 'namehash', 'dns'];

/** Runs `f` and shows its result, or the error's stable code and message. */
function show(id, f) {
  const el = $(id);
  try {
    el.textContent = f();
    el.className = '';
  } catch (err) {
    el.textContent = `${err.code ?? 'Error'}: ${err.message}`;
    el.className = 'error';
  }
}

function update() {
  const value = $('input').value.trim();
  if (!value) {
    for (const id of fields) show(id, () => '–');
    return;
  }
  const isAddress = /^0x/i.test(value);
  show('kind', () => (isAddress ? 'address' : 'name'));
  if (isAddress) {
    show('checksum', () => toChecksumAddress(value));
    show('short', () => shortenAddress(value));
    show('namehash', () => '–');
    show('dns', () => '–');
  } else {
    show('checksum', () => '–');
    show('short', () => '–');
    show('namehash', () => namehash(value));
    show('dns', () => dnsEncode(value));
  }
}

/** The sanitizer on the message box: every finding, the redacted text, the fast check. */
function updateChat() {
  const text = $('chat').value;
  show('sensitive', () => (containsSensitiveData(text) ? 'yes' : 'no'));
  show('redacted', () => redact(text));
  const rows = scan(text).map((f) => {
    const row = document.createElement('tr');
    const cells = [f.kind, text.slice(f.start, f.end), `${f.start}–${f.end}`, f.valid === undefined ? '' : String(f.valid)];
    for (const value of cells) {
      const cell = document.createElement('td');
      cell.textContent = value;
      row.append(cell);
    }
    return row;
  });
  /** @type {HTMLElement} */ (document.querySelector('#findings tbody')).replaceChildren(...rows);
}

/** Adds a line to the DM log. */
function log(text, className = '') {
  const item = document.createElement('li');
  item.textContent = text;
  item.className = className;
  $('log').append(item);
}

/** Alice and Bob: two clients, a DM between them, and buttons that talk through it. */
async function startDm() {
  const newClient = () => Client.create({ signer: privateKeyToAccount(generatePrivateKey()) });
  const [alice, bob] = await Promise.all([newClient(), newClient()]);
  $('alice').textContent = alice.address;
  $('bob').textContent = bob.address;
  const [keyPackage] = await bob.createKeyPackages(1);
  const { group: aliceDm, welcome } = await alice.createGroup([keyPackage], { dm: true });
  const bobDm = await bob.joinFromWelcome(/** @type {Uint8Array} */ (welcome));
  const showEpoch = () => ($('epoch').textContent = `${aliceDm.epoch} (Alice), ${bobDm.epoch} (Bob)`);
  showEpoch();
  const names = new Map([[alice.address, 'Alice'], [bob.address, 'Bob']]);
  /** Encrypts with one side, processes with the other, logs what arrived and from whom. */
  const send = async (from, to, recipient) => {
    const ciphertext = await from.encrypt($('message').value);
    const event = await to.process(ciphertext);
    if (event.type === 'application') {
      const sender = `${names.get(event.sender)} (${shortenAddress(event.sender)}, verified)`;
      log(`${sender} → ${recipient}: "${event.text}" — ${ciphertext.length} bytes on the wire, epoch ${event.epoch}`, 'message');
    }
  };
  const guard = (f) => async () => {
    try {
      await f();
    } catch (err) {
      log(`${err.code ?? 'Error'}: ${err.message}`, 'error');
    }
  };
  $('from-alice').addEventListener('click', guard(() => send(aliceDm, bobDm, 'Bob')));
  $('from-bob').addEventListener('click', guard(() => send(bobDm, aliceDm, 'Alice')));
  $('rotate').addEventListener('click', guard(async () => {
    const { commit } = await aliceDm.rotateKeys();
    const event = await bobDm.process(commit);
    if (event.type === 'commit') log(`Alice rotated her keys: both at epoch ${event.epoch}`, 'commit');
    showEpoch();
  }));
  for (const id of ['from-alice', 'from-bob', 'rotate']) $(id).disabled = false;
}

$('input').addEventListener('input', update);
$('chat').addEventListener('input', updateChat);
update();
updateChat();
try {
  await startDm();
} catch (err) {
  log(`${err.code ?? 'Error'}: ${err.message}`, 'error');
}
$('status').textContent = 'ready';
document.body.dataset.ready = 'true';
