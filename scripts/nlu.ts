/**
 * `npm run -s nlu`: one client message per line on stdin → one JSON object per line on stdout:
 *   {"emotion":"calm|anxious|angry|sad|positive","negative":bool,"intensity":0..1,
 *    "escalate":bool,"reasons":[...],"intent":"...","confidence":0..1}
 * Lines are independent (no conversation trend); an empty line still yields an object.
 * Nothing else is written to stdout (diagnostics go to stderr).
 */
import { createInterface } from 'node:readline';
import { Nlu, toCliRecord, type CliRecord } from '../flows/src/nlu';

const FALLBACK: CliRecord = {
  emotion: 'calm',
  negative: false,
  intensity: 0,
  escalate: false,
  reasons: [],
  intent: 'chitchat',
  confidence: 0,
};

function main(): void {
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
      record = toCliRecord(nlu.analyze(line.replace(/^\uFEFF/, '')));
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
