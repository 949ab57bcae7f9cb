import { toChecksumAddress, shortenAddress, namehash, dnsEncode, scan, containsSensitiveData, redact } from 'hybrid-edge';

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

$('input').addEventListener('input', update);
$('chat').addEventListener('input', updateChat);
update();
updateChat();
$('status').textContent = 'ready';
document.body.dataset.ready = 'true';
