import { toChecksumAddress, shortenAddress, namehash, dnsEncode } from 'hybrid-edge';

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

$('input').addEventListener('input', update);
update();
$('status').textContent = 'ready';
document.body.dataset.ready = 'true';
