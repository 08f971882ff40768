import { TRAIN_PATH, readJsonl, type Utterance } from './dataset';
import { DEFAULT_EMOTION_PARAMS, decideEmotion, type EmotionParams } from './emotion';
import type { EscalationPolicy, PolicyDecision } from '../policy';
import { decideForMessage, defaultPolicySource, type PolicySource } from './escalation';
import { detectSignals, signalReasons, type NluSignals } from './escalation-signals';
import { decideIntent } from './intent';
import { intentLabel, type Emotion, type IntentId } from './labels';
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
  /** Combined emotion probabilities and the classifier's vocabulary coverage. */
  emotionScores: Record<Emotion, number>;
  coverage: number;
  intentRule?: string;
  trend?: { level: number; streak: number; rising: boolean };
}

export interface NluResult {
  emotion: Emotion;
  /** The message expresses negative sentiment (anxious, angry or sad). */
  negative: boolean;
  /** 0..1 strength of the emotion (0 for calm). */
  intensity: number;
  /**
   * The escalation policy's decision (policy/decide.ts on flows/data/policy/escalation.json,
   * the bot's file and function) for this message from a client of unknown tier, with the
   * given trend or else as the first message of a fresh conversation. The bot decides again
   * with the client's tier and missed answers; `escalation.reasons` explain this decision.
   */
  escalate: boolean;
  escalation: PolicyDecision;
  /**
   * Escalation signals the NLU found, machine-readable: distress:爆仓, explicit_request,
   * complaint, high_risk_intent:…, prompt_injection. Input to the policy, not a decision.
   */
  reasons: string[];
  signals: NluSignals;
  intent: IntentId;
  intentLabel: string;
  confidence: number;
  evidence: NluEvidence;
}

export interface NluOptions {
  lexicon?: LexiconData;
  emotionParams?: EmotionParams;
  /** The escalation policy to apply; default: the bot's policy file (see escalation.ts). */
  policy?: PolicySource;
  training?: { emotion?: TrainOptions; intent?: TrainOptions };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Chinese client-message understanding: emotion (lexicon + classifier), intent (classifier +
 * rules), escalation signals and the conversation's emotion trend.
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
    private readonly policy: PolicySource = defaultPolicySource,
  ) {}

  /** The same models judged against another escalation policy (a file under review, tests). */
  withPolicy(policy: EscalationPolicy | PolicySource): Nlu {
    const source = typeof policy === 'function' ? policy : () => policy;
    return new Nlu(this.preprocessor, this.models, this.emotionParams, this.loadMs, this.modelSource, source);
  }

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
      Nlu.shared = new Nlu(pre, models, DEFAULT_EMOTION_PARAMS, performance.now() - t0, stored ? 'stored' : 'trained');
    }
    return Nlu.shared;
  }

  /** A fresh instance trained on the given utterances (evaluation, cross-validation). */
  static train(data: readonly Utterance[], opts: NluOptions = {}): Nlu {
    const t0 = performance.now();
    const pre = new Preprocessor(opts.lexicon ?? loadLexiconData());
    const models = trainModels(pre, data, opts.training);
    const params = opts.emotionParams ?? DEFAULT_EMOTION_PARAMS;
    return new Nlu(pre, models, params, performance.now() - t0, 'trained', opts.policy ?? defaultPolicySource);
  }

  /**
   * Analyse one client message. When a trend is given it is updated with this message (store
   * trend.toJSON() back on the conversation) and its snapshot lands in evidence.trend;
   * without one the message is the first of a fresh conversation.
   */
  analyze(text: string, trend?: EmotionTrend): NluResult {
    const raw = typeof text === 'string' ? text : '';
    const pre = this.preprocessor.run(raw);
    const counts = this.models.index.counts(pre.features);
    const emoClf = this.models.emotion.predict(counts);
    const words = pre.units.map((u) => `w:${u.text}`);
    const coverage = words.length ? this.models.index.coverage(words) : 0;
    const emo = decideEmotion(pre, emoClf.probs, coverage, this.emotionParams);
    const intentClf = this.models.intent.predict(counts);
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
    const result: Omit<NluResult, 'escalate' | 'escalation'> = {
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
        emotionScores: emo.posterior,
        coverage: round2(coverage),
        ...(intent.rule ? { intentRule: intent.rule } : {}),
        ...(trend ? { trend: snapshot } : {}),
      },
    };
    const escalation = decideForMessage(this.policy(), raw, result, { trend: conversation });
    return { ...result, escalate: escalation.escalate, escalation };
  }
}
