import type { LexiconData } from './lexicon';
import { isPunctuation } from './normalize';
import { segment } from './segment';

/**
 * Lexicon-aware analysis units. jieba keeps many negated or intensified compounds whole
 * (没生气, 别着急, 好烦, 不太好, 烦死了), which would hide the sentiment word from the lexicon
 * and the negation from the scorer. A token that is not itself a lexicon word is split into
 * [negators/degree adverbs] + lexicon word + [post-degree words/particles] when that yields a
 * lexicon word; otherwise it stays whole. Punctuation is dropped and starts a new clause.
 * jieba runs with HMM off: unknown spans stay single characters instead of merging into
 * pseudo-words (烫得, 汤洒, 差太多); measured +0.5 emotion macro-F1 and +0.5 intent accuracy
 * in 4-fold CV on the train split, +1.3 macro-F1 on the general-domain probe.
 */
export interface Unit {
  text: string;
  /** Index of the clause (punctuation-delimited) the unit belongs to. */
  clause: number;
}

const PARTICLES = ['了', '啊', '呀', '的', '吗', '呢', '吧', '啦', '哦', '嘛', '哈', '噢', '呐', '哇'];
const MAX_CACHE = 50_000;

export class Unitizer {
  private readonly words: ReadonlySet<string>;
  /** Lexicon words plus the 2+ character parts of multi-word entries (元气 满满 of 元气满满). */
  private readonly splittable: ReadonlySet<string>;
  private readonly prefixes: string[];
  private readonly suffixes: string[];
  private readonly longWords: string[];
  private readonly cache = new Map<string, string[]>();

  constructor(lex: LexiconData) {
    this.words = new Set(lex.words.keys());
    // A phrase part glued to a particle (满满的 in 元气满满的一天) must be split off too, or the
    // phrase never matches.
    const parts = [...this.words].flatMap((w) => (w.length >= 3 ? segment(w, false).filter((t) => t.length >= 2) : []));
    this.splittable = new Set([...this.words, ...parts]);
    const byLengthDesc = (a: string, b: string) => b.length - a.length;
    this.prefixes = [...new Set([...lex.modifiers.negators.keys(), ...lex.modifiers.degree.keys()])].sort(byLengthDesc);
    this.suffixes = [...new Set([...lex.modifiers.postDegree.keys(), ...PARTICLES])].sort(byLengthDesc);
    this.longWords = [...this.words].filter((w) => w.length >= 2).sort(byLengthDesc);
  }

  /** Units of an already normalised text. */
  units(text: string): Unit[] {
    const out: Unit[] = [];
    let clause = 0;
    let clauseHasUnits = false;
    for (const token of segment(text, false)) {
      if (isPunctuation(token)) {
        if (clauseHasUnits) clause++;
        clauseHasUnits = false;
        continue;
      }
      for (const t of this.split(token)) out.push({ text: t, clause });
      clauseHasUnits = true;
    }
    return out;
  }

  /** Split one jieba token (memoised: the vocabulary of client messages is small). */
  split(token: string): string[] {
    const hit = this.cache.get(token);
    if (hit) return hit;
    const parts = this.decompose(token, 0) ?? this.embedded(token) ?? [token];
    if (this.cache.size >= MAX_CACHE) this.cache.clear();
    this.cache.set(token, parts);
    return parts;
  }

  private decompose(token: string, depth: number): string[] | null {
    if (this.splittable.has(token)) return [token];
    if (depth > 3 || token.length < 2) return null;
    for (const p of this.prefixes) {
      if (token.length > p.length && token.startsWith(p)) {
        const rest = this.decompose(token.slice(p.length), depth + 1);
        if (rest) return [p, ...rest];
      }
    }
    for (const s of this.suffixes) {
      if (token.length > s.length && token.endsWith(s)) {
        const core = this.decompose(token.slice(0, -s.length), depth + 1);
        if (core) return [...core, s];
      }
    }
    return null;
  }

  /** A lexicon word of 2+ characters inside an unknown 3+ character token (HMM merges). */
  private embedded(token: string): string[] | null {
    if (token.length < 3) return null;
    for (const w of this.longWords) {
      if (w.length >= token.length) continue;
      const at = token.indexOf(w);
      if (at < 0) continue;
      const before = token.slice(0, at);
      const after = token.slice(at + w.length);
      return [...(before ? (this.decompose(before, 1) ?? [before]) : []), w, ...(after ? [after] : [])];
    }
    return null;
  }
}
