/**
 * `npm run -s nlu`: one client message per line on stdin → one JSON object per line on stdout:
 *   {"emotion":"calm|anxious|angry|sad|positive","negative":bool,"intensity":0..1,
 *    "escalate":bool,"reasons":[...],"intent":"...","confidence":0..1}
 * Each line is judged as the first message of a fresh conversation from a client of unknown
 * tier. escalate/reasons come from the escalation policy the bot uses (decide() on
 * flows/data/policy/escalation.json, or ESCALATION_POLICY_PATH / --policy <file>); an
 * after-hours handoff is still `escalate: true`. An empty line still yields an object.
 * Nothing else is written to stdout (diagnostics go to stderr).
 */
import { createInterface } from 'node:readline';
import { Nlu, toCliRecord, type CliRecord } from '../flows/src/nlu';
import { DEFAULT_POLICY_PATH, decideForMessage, readPolicy, type EscalationPolicy } from '../flows/src/policy';

const FALLBACK: CliRecord = {
  emotion: 'calm',
  negative: false,
  intensity: 0,
  escalate: false,
  reasons: [],
  intent: 'chitchat',
  confidence: 0,
};

function policyFile(argv: string[]): string {
  const at = argv.indexOf('--policy');
  if (at >= 0 && argv[at + 1]) return argv[at + 1]!;
  return process.env.ESCALATION_POLICY_PATH || DEFAULT_POLICY_PATH;
}

function main(): void {
  let policy: EscalationPolicy;
  try {
    policy = readPolicy(policyFile(process.argv.slice(2)));
  } catch (err) {
    process.stderr.write(`nlu: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const nlu = Nlu.load();
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length) process.stdout.write(buffer.join(''));
    buffer = [];
  };
  rl.on('line', (line) => {
    let record: CliRecord;
    try {
      // Trimmed like the bot's incoming text, so policy term matching sees the same string.
      const text = line.replace(/^\uFEFF/, '').trim();
      const r = nlu.analyze(text);
      record = toCliRecord(r, decideForMessage(policy, text, r));
    } catch (err) {
      process.stderr.write(`nlu: ${(err as Error).message}\n`);
      record = FALLBACK;
    }
    buffer.push(JSON.stringify(record) + '\n');
    if (buffer.length >= 256) flush();
  });
  rl.on('close', flush);
}

main();
