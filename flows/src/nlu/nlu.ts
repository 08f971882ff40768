import { TRAIN_PATH, readJsonl, type Utterance } from './dataset';
import { DEFAULT_EMOTION_PARAMS, decideEmotion, type EmotionParams } from './emotion';
import { blendedEmotion } from './emotion-blend';
import { EmotionModel } from './emotion-model';
import { DomainModel } from './domain-model';
import { emotionFeatureStrings, hashFeatures } from './hashed-features';
import { detectSignals, signalReasons, type NluSignals } from './escalation-signals';
import { decideIntent, withDomainPrior } from './intent';
import { IntentModel } from './intent-model';
import { EMOTIONS, intentLabel, type Emotion, type IntentId } from './labels';
import { loadLexiconData, type LexiconData } from './lexicon';
import { trainModels, type NluModels } from './model';
import { loadStoredModels } from './model-store';
import { Preprocessor } from './preprocess';
import type { TrainOptions } from './text-classifier';
import { EmotionTrend } from './trend';

export interface NluEvidence {
  /** Matched lexicon terms (after negation/sarcasm) with their contribution. */
  terms: Array<{ term: string; emotion: Emotion; weight: number }>;
  /** Negated sentiment words: 不担心, 没生气, 一点都不满意. */
  negations: string[];
  /** Degree words that raised a term: 非常, 太, 死了. */
  intensifiers: string[];
  punctuation: { exclamation: number; question: number; ellipsis: boolean };
  repetition: string[];
  lengthBurst: boolean;
  /** Irony marker when praise was read as sarcasm. */
  sarcasm: string | null;
  /** Injection spans removed before analysis. */
  injection: string[];
  distress: string[];
  /** Calibrated emotion probabilities (rounded) and the brokerage classifier's vocabulary coverage. */
  emotionScores: Record<Emotion, number>;
  coverage: number;
  intentRule?: string;
  /** P(the message is about brokerage services) from flows/models/domain.json, when loaded. */
  inDomain?: number;
  trend?: { level: number; streak: number; rising: boolean };
}

export interface NluResult {
  emotion: Emotion;
  /** The message expresses negative sentiment (anxious, angry or sad). */
  negative: boolean;
  /**
   * Calibrated probability of `emotion` (0 for calm): with the emotion model (flows/models/
   * emotion.bin) an intensity of 0.8 is right about 80 % of the time on the dev corpora.
   */
  intensity: number;
  /**
   * Escalation signals the NLU found, machine-readable: distress:爆仓, explicit_request,
   * complaint, high_risk_intent:…, prompt_injection. Input to the policy, not a decision.
   */
  reasons: string[];
  signals: NluSignals;
  intent: IntentId;
  intentLabel: string;
  /** Calibrated probability that `intent` is right (the bot's clarifying menu when low). */
  confidence: number;
  evidence: NluEvidence;
}

export interface NluOptions {
  lexicon?: LexiconData;
  emotionParams?: EmotionParams;
  /** The public-corpus emotion model; default none (lexicon + classifier only). */
  emotionModel?: EmotionModel | null;
  /** The in-domain detector; default none. */
  domainModel?: DomainModel | null;
  /** The hashed-feature intent model combined with naive Bayes; default none (naive Bayes alone). */
  intentModel?: IntentModel | null;
  training?: { emotion?: TrainOptions; intent?: TrainOptions };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Chinese client-message understanding: emotion (public-corpus model blended with lexicon +
 * classifier), intent (classifier + rules), escalation signals and the conversation's emotion
 * trend. Signals only: whether to escalate is decided by flows/src/policy (decideForMessage).
 */
export class Nlu {
  private static shared: Nlu | null = null;

  private constructor(
    readonly preprocessor: Preprocessor,
    readonly models: NluModels,
    readonly emotionParams: EmotionParams,
    /** Wall time of building this instance, ms. */
    readonly loadMs: number,
    /** Whether the models came from model.json or were trained at start-up. */
    readonly modelSource: 'stored' | 'trained',
    /** flows/models/emotion.bin; null → lexicon + classifier only. */
    readonly emotionModel: EmotionModel | null = null,
    /** flows/models/domain.json; null → the intent classifier alone. */
    readonly domainModel: DomainModel | null = null,
    /** flows/models/intent.bin; null → naive Bayes alone. */
    readonly intentModel: IntentModel | null = null,
  ) {}

  /**
   * The process-wide instance: the stored models (flows/data/nlu/model.json) when they match
   * the current data and code, otherwise trained once from the shipped train split.
   */
  static load(): Nlu {
    if (!Nlu.shared) {
      const t0 = performance.now();
      const pre = new Preprocessor(loadLexiconData());
      const stored = loadStoredModels();
      const models = stored ?? trainModels(pre, readJsonl(TRAIN_PATH));
      const emotionModel = EmotionModel.load();
      const domainModel = DomainModel.load();
      const intentModel = IntentModel.load();
      Nlu.shared = new Nlu(
        pre,
        models,
        DEFAULT_EMOTION_PARAMS,
        performance.now() - t0,
        stored ? 'stored' : 'trained',
        emotionModel,
        domainModel,
        intentModel,
      );
    }
    return Nlu.shared;
  }

  /** A fresh instance trained on the given utterances (evaluation, cross-validation). */
  static train(data: readonly Utterance[], opts: NluOptions = {}): Nlu {
    const t0 = performance.now();
    const pre = new Preprocessor(opts.lexicon ?? loadLexiconData());
    const models = trainModels(pre, data, opts.training);
    const params = opts.emotionParams ?? DEFAULT_EMOTION_PARAMS;
    return new Nlu(
      pre,
      models,
      params,
      performance.now() - t0,
      'trained',
      opts.emotionModel ?? null,
      opts.domainModel ?? null,
      opts.intentModel ?? null,
    );
  }

  /** The same trained parts with other public-corpus models (training, evaluation). */
  withModels(
    emotionModel: EmotionModel | null,
    domainModel: DomainModel | null = this.domainModel,
    intentModel: IntentModel | null = this.intentModel,
  ): Nlu {
    return new Nlu(
      this.preprocessor,
      this.models,
      this.emotionParams,
      this.loadMs,
      this.modelSource,
      emotionModel,
      domainModel,
      intentModel,
    );
  }

  /** The hashed feature vector of a message at `bits` bits (what the public-corpus models read). */
  hashedFeatures(text: string, bits: number): ReturnType<typeof hashFeatures> {
    return hashFeatures(emotionFeatureStrings(this.preprocessor.run(text)), bits);
  }

  /** The naive-Bayes intent posterior of a message (INTENT_IDS order). */
  naiveBayesIntent(text: string): Float64Array {
    return this.models.intent.predict(this.models.index.counts(this.preprocessor.run(text).features)).probs;
  }

  /**
   * What the emotion model blends: the lexicon + brokerage-classifier posterior (EMOTIONS
   * order) and the hashed features of the text (scripts/train.ts).
   */
  emotionInputs(
    text: string,
    bits: number,
  ): {
    oldProbs: Float64Array;
    /** The lexicon resolved a negated sentiment word (不担心, 没失望). */
    negation: boolean;
    features: ReturnType<typeof hashFeatures>;
  } {
    const pre = this.preprocessor.run(text);
    const lexical = this.lexiconEmotion(pre);
    return {
      oldProbs: lexical.probs,
      negation: pre.lex.negations.length > 0,
      features: hashFeatures(emotionFeatureStrings(pre), bits),
    };
  }

  private lexiconEmotion(pre: ReturnType<Preprocessor['run']>) {
    const counts = this.models.index.counts(pre.features);
    const emoClf = this.models.emotion.predict(counts);
    const words = pre.units.map((u) => `w:${u.text}`);
    const coverage = words.length ? this.models.index.coverage(words) : 0;
    return { ...decideEmotion(pre, emoClf.probs, coverage, this.emotionParams), counts, coverage };
  }

  /**
   * Analyse one client message. When a trend is given it is updated with this message (store
   * trend.toJSON() back on the conversation) and its snapshot lands in evidence.trend;
   * without one the message is the first of a fresh conversation.
   */
  analyze(text: string, trend?: EmotionTrend): NluResult {
    const raw = typeof text === 'string' ? text : '';
    const pre = this.preprocessor.run(raw);
    const lexical = this.lexiconEmotion(pre);
    const { counts, coverage } = lexical;
    const bits = this.emotionModel?.bits ?? this.domainModel?.bits ?? this.intentModel?.bits;
    const strings = bits !== undefined ? emotionFeatureStrings(pre) : [];
    const hashed = bits !== undefined ? hashFeatures(strings, bits) : null;
    const hashedFor = (b: number) => (hashed && b === bits ? hashed : hashFeatures(strings, b));
    const emo = this.emotionModel
      ? blendedEmotion(
          this.emotionModel,
          this.emotionModel.logits(hashedFor(this.emotionModel.bits)),
          lexical.probs,
          pre.lex.negations.length > 0,
        )
      : lexical;
    const emotionScores = Object.fromEntries(EMOTIONS.map((e, k) => [e, round2(emo.probs[k] ?? 0)])) as Record<Emotion, number>;
    const inDomain = this.domainModel ? this.domainModel.inDomain(hashedFor(this.domainModel.bits)) : undefined;
    const nbIntent = this.models.intent.predict(counts);
    const nb = this.intentModel
      ? this.intentModel.combine(this.intentModel.logits(hashedFor(this.intentModel.bits)), nbIntent.probs)
      : nbIntent;
    const intentClf = inDomain === undefined ? nb : withDomainPrior(nb, inDomain, this.models.intent.labels);
    const intent = decideIntent(pre.text, intentClf, this.models.intent.labels);
    const conversation = trend ?? new EmotionTrend();
    const snapshot = conversation.observe(emo.negative ? emo.intensity : 0);
    const signals = detectSignals({
      text: pre.text,
      negative: emo.negative,
      intent: intent.intent,
      intentConfidence: intent.confidence,
      injection: pre.injection.flagged,
    });
    return {
      emotion: emo.emotion,
      negative: emo.negative,
      intensity: emo.intensity,
      reasons: signalReasons(signals),
      signals,
      intent: intent.intent,
      intentLabel: intentLabel(intent.intent),
      confidence: intent.confidence,
      evidence: {
        terms: pre.lex.hits.map((h) => ({ term: h.term, emotion: h.emotion, weight: round2(h.weight) })),
        negations: pre.lex.negations,
        intensifiers: pre.lex.intensifiers,
        punctuation: { exclamation: pre.cues.exclamation, question: pre.cues.question, ellipsis: pre.cues.ellipsis },
        repetition: pre.cues.repetition,
        lengthBurst: pre.cues.lengthBurst,
        sarcasm: pre.sarcasm,
        injection: pre.injection.spans,
        distress: signals.distress,
        emotionScores,
        coverage: round2(coverage),
        ...(intent.rule ? { intentRule: intent.rule } : {}),
        ...(inDomain !== undefined ? { inDomain: round2(inDomain) } : {}),
        ...(trend ? { trend: snapshot } : {}),
      },
    };
  }
}
