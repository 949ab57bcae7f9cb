// Type-checked with `tsc --noEmit` against the packed package: the sanitizer's types.
import { scan, containsSensitiveData, redact, anonymizeForLogging } from 'hybrid-edge';
import type { Finding, SensitiveKind, RedactPolicy, AnonymizedMessage } from 'hybrid-edge';

const found: Finding[] = scan('pw: hunter2!', { kinds: ['password', 'email'] });
const kind: SensitiveKind = found[0].kind;
const valid: boolean | undefined = found[0].valid;
const yes: boolean = containsSensitiveData('x') && containsSensitiveData('x', ['eth_address']);
const policy: RedactPolicy = { email: 'keep', card_number: 'mask' };
const clean: string = redact('x', policy);
const record: AnonymizedMessage = anonymizeForLogging({ id: '1', sender: 's', content: 'c', timestamp: 0 });
const count: number = record.findings.seed_phrase;
// @ts-expect-error: not a kind.
scan('x', { kinds: ['passwords'] });
// @ts-expect-error: not an action.
redact('x', { email: 'hide' });
export { kind, valid, yes, clean, count };
