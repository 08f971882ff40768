import { extractCues, type Cues } from './cues';
import { featureTokens } from './features';
import { keywordFeatures, loadIntentKeywords, type IntentKeywords } from './intent-keywords';
import { stripInjection, type InjectionResult } from './injection';
import type { LexiconData } from './lexicon';
import { LexiconScorer, type LexResult } from './lexicon-score';
import { normalizeText } from './normalize';
import { patternHits } from './patterns';
import { detectSarcasm } from './sarcasm';
import { Unitizer, type Unit } from './units';

const EMOTICON = /\[[^[\]\s]{1,8}\]/g;

/**
 * Everything computed from the text alone, shared by training and analysis: injection spans
 * removed, normalised text, units, lexicon evidence (with sarcasm applied), cues, features.
 */
export interface Preprocessed {
  injection: InjectionResult;
  /** Normalised text with injection spans removed: what the models see. */
  text: string;
  units: Unit[];
  lex: LexResult;
  /** The irony marker when positive wording was read as sarcasm. */
  sarcasm: string | null;
  cues: Cues;
  features: string[];
}

export class Preprocessor {
  readonly unitizer: Unitizer;
  readonly scorer: LexiconScorer;

  constructor(
    readonly lexicon: LexiconData,
    readonly keywords: IntentKeywords = loadIntentKeywords(),
  ) {
    this.unitizer = new Unitizer(lexicon);
    this.scorer = new LexiconScorer(lexicon, this.unitizer);
  }

  run(raw: string): Preprocessed {
    const injection = stripInjection(normalizeText(raw));
    const text = injection.cleaned;
    // Bracketed emoticons ([泪], [哈哈]) are scored on the raw text; the units skip them so
    // that 哈哈 inside [哈哈] is not counted twice, and [呵呵] is not read as sarcastic 呵呵.
    const units = this.unitizer.units(text.replace(EMOTICON, ' '));
    const lex = this.scorer.score(units, text);
    for (const h of patternHits(text)) {
      lex.hits.push(h);
      lex.scores[h.emotion] += h.weight;
    }
    const negative = lex.scores.angry + lex.scores.anxious + lex.scores.sad;
    const sarcasm = detectSarcasm({ text, positive: lex.scores.positive, negative });
    if (sarcasm) {
      for (const h of lex.hits) if (h.emotion === 'positive') h.emotion = 'angry';
      lex.scores.angry += lex.scores.positive;
      lex.scores.positive = 0;
    }
    const cues = extractCues(text);
    const features = featureTokens(units, text, this.lexicon.modifiers.negators, cues);
    if (sarcasm) features.push('x:sarcasm');
    // Lexicon evidence as features too, so the classifier learns how far to trust it in
    // this domain (a negated positive word is a complaint, 不是很满意).
    for (const h of lex.hits) features.push(h.negator ? `lexneg:${h.emotion}` : `lex:${h.emotion}`);
    features.push(...keywordFeatures(text, this.keywords));
    for (const ch of text.match(/\p{Script=Han}/gu) ?? []) features.push(`u:${ch}`);
    return { injection, text, units, lex, sarcasm, cues, features };
  }
}
