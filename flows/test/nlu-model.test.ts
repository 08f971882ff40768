import { TEST_PATH, TRAIN_PATH, readJsonl } from '../src/nlu/dataset';
import { loadLexiconData } from '../src/nlu/lexicon';
import { trainModels } from '../src/nlu/model';
import { MODEL_PATH, loadStoredModels, serializeModels, trainingFingerprint } from '../src/nlu/model-store';
import { Preprocessor } from '../src/nlu/preprocess';

// flows/data/nlu/model.json must be what training on the committed split produces today.
describe('stored model', () => {
  const fingerprint = trainingFingerprint();
  const stored = loadStoredModels(MODEL_PATH, fingerprint);
  const pre = new Preprocessor(loadLexiconData());
  const fresh = trainModels(pre, readJsonl(TRAIN_PATH));

  it('matches the current data and code (else: node scripts/run-ts.mjs flows/src/nlu/tools/train.ts)', () => {
    expect(stored).not.toBeNull();
  });

  it('predicts exactly like a freshly trained model', () => {
    if (!stored) return;
    for (const u of readJsonl(TEST_PATH)) {
      const f = pre.run(u.text).features;
      const a = stored.index.counts(f);
      const b = fresh.index.counts(f);
      for (const task of ['emotion', 'intent'] as const) {
        const p = stored[task].predict(a);
        const q = fresh[task].predict(b);
        expect(p.label).toBe(q.label);
        expect(Math.abs(p.confidence - q.confidence)).toBeLessThan(1e-3);
      }
    }
  });

  it('round-trips through its JSON form', () => {
    const again = serializeModels(fresh, fingerprint);
    expect(JSON.parse(again).fingerprint).toBe(fingerprint);
  });
});
