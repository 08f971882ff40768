import { TRAIN_PATH, readJsonl, type Utterance } from './dataset';
import { DEFAULT_EMOTION_PARAMS, decideEmotion, type EmotionParams } from './emotion';
import { decideEscalation, type Priority } from './escalation-policy';
import { decideIntent } from './intent';
import { intentLabel, type Emotion, type IntentId } from './labels';
import { loadLexiconData, type LexiconData } from './lexicon';
import { trainModels, type NluModels } from './model';
import { loadStoredModels } from './model-store';
import { Preprocessor } from './preprocess';
import type { TrainOptions } from './text-classifier';
import type { EmotionTrend } from './trend';

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
  escalate: boolean;
  /** Machine-readable, in priority order: distress:爆仓, explicit_request, complaint, anger:0.82 … */
  reasons: string[];
  /** Handoff priority implied by the reasons. */
  priority: Priority;
  intent: IntentId;
  intentLabel: string;
  confidence: number;
  evidence: NluEvidence;
}

export interface NluOptions {
  lexicon?: LexiconData;
  emotionParams?: EmotionParams;
  training?: { emotion?: TrainOptions; intent?: TrainOptions };
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Chinese client-message understanding: emotion (lexicon + classifier), intent (classifier +
 * rules), escalation reasons and the conversation's emotion trend.
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
      Nlu.shared = new Nlu(pre, models, DEFAULT_EMOTION_PARAMS, performance.now() - t0, stored ? 'stored' : 'trained');
    }
    return Nlu.shared;
  }

  /** A fresh instance trained on the given utterances (evaluation, cross-validation). */
  static train(data: readonly Utterance[], opts: NluOptions = {}): Nlu {
    const t0 = performance.now();
    const pre = new Preprocessor(opts.lexicon ?? loadLexiconData());
    const models = trainModels(pre, data, opts.training);
    return new Nlu(pre, models, opts.emotionParams ?? DEFAULT_EMOTION_PARAMS, performance.now() - t0, 'trained');
  }

  /**
   * Analyse one client message. When a trend is given it is updated with this message (store
   * trend.toJSON() back on the conversation) and rising distress becomes a reason.
   */
  analyze(text: string, trend?: EmotionTrend): NluResult {
    const pre = this.preprocessor.run(typeof text === 'string' ? text : '');
    const counts = this.models.index.counts(pre.features);
    const emoClf = this.models.emotion.predict(counts);
    const words = pre.units.map((u) => `w:${u.text}`);
    const coverage = words.length ? this.models.index.coverage(words) : 0;
    const emo = decideEmotion(pre, emoClf.probs, coverage, this.emotionParams);
    const intentClf = this.models.intent.predict(counts);
    const intent = decideIntent(pre.text, intentClf, this.models.intent.labels);
    const snapshot = trend?.observe(emo.negative ? emo.intensity : 0);
    const esc = decideEscalation({
      text: pre.text,
      emotion: emo.emotion,
      negative: emo.negative,
      intensity: emo.intensity,
      intent: intent.intent,
      intentConfidence: intent.confidence,
      rising: snapshot?.rising ?? false,
      injection: pre.injection.flagged,
    });
    return {
      emotion: emo.emotion,
      negative: emo.negative,
      intensity: emo.intensity,
      escalate: esc.escalate,
      reasons: esc.reasons,
      priority: esc.priority,
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
        distress: esc.distress,
        emotionScores: emo.posterior,
        coverage: round2(coverage),
        ...(intent.rule ? { intentRule: intent.rule } : {}),
        ...(snapshot ? { trend: snapshot } : {}),
      },
    };
  }
}
