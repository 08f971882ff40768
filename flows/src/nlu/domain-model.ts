import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SoftmaxRegression, type LogRegJSON } from './logreg';
import type { SparseVector } from './sparse';

/**
 * Is this a brokerage client's message at all? A two-class logistic regression over the emotion
 * model's hashed features, trained by `npm run train` on the own utterances and the knowledge
 * base's questions (in domain) against general Weibo posts (SMP2020-EWECT, out of domain).
 * The NLU multiplies the intent classifier's probabilities by P(in domain) and gives the rest
 * to `chitchat`, so a post like 平安归来 is not read as a margin call with confidence 0.99:
 * the intent confidence stays calibrated off the brokerage topic too.
 */
export const DOMAIN_MODEL_PATH = path.join(__dirname, '..', '..', 'models', 'domain.json');

interface DomainModelJSON {
  bits: number;
  model: LogRegJSON;
  provenance?: unknown;
}

const IN = 1;

export class DomainModel {
  provenance: unknown = undefined;

  constructor(
    readonly bits: number,
    readonly model: SoftmaxRegression,
  ) {}

  static train(inDomain: readonly SparseVector[], outOfDomain: readonly SparseVector[], bits: number, seed = 5): DomainModel {
    const X = [...outOfDomain, ...inDomain];
    const y = [...outOfDomain.map(() => 0), ...inDomain.map(() => IN)];
    // Balanced: each side weighs as much as the other.
    const classWeights = Float64Array.from([X.length / (2 * outOfDomain.length), X.length / (2 * inDomain.length)]);
    const model = new SoftmaxRegression(1 << bits, 2);
    model.train(X, y, { epochs: 4, learningRate: 0.2, l2: 1e-6, seed, classWeights });
    return new DomainModel(bits, model);
  }

  /** P(the message is about the brokerage's services). */
  inDomain(x: SparseVector): number {
    return this.model.predict(x)[IN] ?? 1;
  }

  save(file = DOMAIN_MODEL_PATH): void {
    const j: DomainModelJSON = { bits: this.bits, model: this.model.toJSON(), provenance: this.provenance };
    writeFileSync(file, JSON.stringify(j) + '\n');
  }

  static load(file = DOMAIN_MODEL_PATH): DomainModel | null {
    if (!existsSync(file)) return null;
    const j = JSON.parse(readFileSync(file, 'utf8')) as DomainModelJSON;
    const m = new DomainModel(j.bits, SoftmaxRegression.fromJSON(j.model));
    m.provenance = j.provenance;
    return m;
  }
}
