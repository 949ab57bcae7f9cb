// A user's Vite app: a plain `import` of the installed package, no plugin, no config.
import { namehash, toChecksumAddress } from 'hybrid-edge';

let typo;
try {
  toChecksumAddress('0xFB6916095ca1df60bB79Ce92cE3Ea74c37c5d359');
} catch (err) {
  typo = err.code;
}
document.getElementById('out').textContent = JSON.stringify({
  namehash: namehash('foo.eth'),
  checksum: toChecksumAddress('0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359'),
  typo,
});
