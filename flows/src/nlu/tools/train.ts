/**
 * Trains the NLU models on the committed train split and stores them (flows/data/nlu/model.json):
 *   node scripts/run-ts.mjs flows/src/nlu/tools/train.ts          # write model.json
 *   node scripts/run-ts.mjs flows/src/nlu/tools/train.ts --check  # exit 1 if it is stale
 */
import { statSync } from 'node:fs';
import { TRAIN_PATH, readJsonl } from '../dataset';
import { loadLexiconData } from '../lexicon';
import { trainModels } from '../model';
import { MODEL_PATH, loadStoredModels, trainingFingerprint, writeStoredModels } from '../model-store';
import { Preprocessor } from '../preprocess';

function main(): void {
  if (process.argv.includes('--check')) {
    if (!loadStoredModels(MODEL_PATH, trainingFingerprint())) {
      console.error('flows/data/nlu/model.json is missing or stale: run flows/src/nlu/tools/train.ts');
      process.exit(1);
    }
    console.log('stored NLU model is up to date');
    return;
  }
  const t0 = performance.now();
  const models = trainModels(new Preprocessor(loadLexiconData()), readJsonl(TRAIN_PATH));
  writeStoredModels(models);
  console.log(
    `trained in ${Math.round(performance.now() - t0)} ms; wrote ${MODEL_PATH} (${Math.round(statSync(MODEL_PATH).size / 1024)} KiB)`,
  );
}

main();
