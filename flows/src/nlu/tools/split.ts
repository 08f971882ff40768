/**
 * Regenerates the committed train/test split from the hand-written sources:
 *   node scripts/run-ts.mjs flows/src/nlu/tools/split.ts          # write train.jsonl / test.jsonl
 *   node scripts/run-ts.mjs flows/src/nlu/tools/split.ts --check  # exit 1 if they are stale
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { TEST_PATH, TRAIN_PATH, loadSources, stratifiedSplit, toJsonl } from '../dataset';

function main(): void {
  const all = loadSources();
  const seen = new Set<string>();
  for (const u of all) {
    if (seen.has(u.text)) throw new Error(`duplicate utterance: ${u.text}`);
    seen.add(u.text);
  }
  const { train, test } = stratifiedSplit(all);
  const files: Array<[string, string]> = [
    [TRAIN_PATH, toJsonl(train)],
    [TEST_PATH, toJsonl(test)],
  ];
  if (process.argv.includes('--check')) {
    const stale = files.filter(([file, body]) => !existsSync(file) || readFileSync(file, 'utf8') !== body);
    if (stale.length) {
      console.error(`stale split: ${stale.map(([f]) => f).join(', ')}`);
      process.exit(1);
    }
    console.log(`split up to date: ${train.length} train / ${test.length} test`);
    return;
  }
  for (const [file, body] of files) writeFileSync(file, body);
  console.log(`wrote ${train.length} train / ${test.length} test utterances`);
}

main();
