import type { Emotion } from './labels';
import type { LexEntry, LexiconData } from './lexicon';
import type { Unit, Unitizer } from './units';

/**
 * Lexicon scoring with negation scope, degree adverbs and contrast.
 *
 * - Negation: a negator up to 4 units before the word, in the same clause, with only degree
 *   adverbs or "bridge" words (是/会/让人 …) in between. An odd number of negators flips a
 *   positive word to its negated emotion (不满意 → angry, 不开心 → sad) and cancels a negative
 *   feeling (不担心, 没生气, 别着急 → calm evidence instead of anxiety/anger); a negated flaw
 *   marked neg=positive is faint praise (不差, 没失望, 不贵). 不太/不是很 soften (×0.8),
 *   一点都不/根本不 emphasise. 不会…吧 voices a worry, not a negation (东西不会丢了吧).
 * - Degree: adverbs before (非常, 太, 特别 …) and after (烦死了, 好极了, 美得不像话) multiply the
 *   weight; a degree adverb between the negator and the word softens instead (不是很满意 is mild).
 * - Contrast: after a clause-initial 但是/不过/可是 …, later evidence counts 1.25×, earlier 0.5×.
 * - Expectation: after 本来/原以为/满心期待 … in the same clause, evidence counts 0.5× (本来担心
 *   尺码不合适，结果刚刚好; 满心期待，结果很失望).
 */
export interface LexHit {
  term: string;
  emotion: Emotion;
  /** Contribution to the emotion's score after modifiers. */
  weight: number;
  /** The negator when the hit was flipped or cancelled. */
  negator?: string;
  position: number;
}

export interface LexResult {
  scores: Record<Emotion, number>;
  hits: LexHit[];
  /** Negated sentiment words as written: 不担心, 没生气, 一点都不满意. */
  negations: string[];
  intensifiers: string[];
}

const BRIDGE = new Set([
  '是',
  '会',
  '再',
  '用',
  '要',
  '能',
  '必',
  '怎么',
  '觉得',
  '感到',
  '感觉',
  '让',
  '让人',
  '令人',
  '叫人',
  '算',
  '够',
  '的',
  '得',
  '太',
  '那么',
  '这么',
  '很',
  '再也',
  '容易',
]);
// Negated praise is an explicit complaint in service talk (不满意, 不是很满意): it counts
// 1.3× the praise word (4-fold CV: same macro-F1, fixes short negated praise read as calm).
const NEGATED_SCALE = 1.3;
// A negated flaw is faint praise (不差 is "decent", 没失望 "as hoped"), weaker than the flaw.
const NEGATED_FLAW_SCALE = 0.8;
const CANCEL_TO_CALM = 0.6;
const MAX_EMOTICON_REPEAT = 3;
const EXPECTED_SCALE = 0.5;

interface Phrase {
  units: string[];
  entries: readonly LexEntry[];
}

export function emptyScores(): Record<Emotion, number> {
  return { calm: 0, anxious: 0, angry: 0, sad: 0, positive: 0 };
}

function startsWithAny(s: string | undefined, set: ReadonlySet<string> | undefined): boolean {
  if (!s || !set) return false;
  for (const x of set) if (s.startsWith(x)) return true;
  return false;
}

function endsWithAny(s: string | undefined, set: ReadonlySet<string> | undefined): boolean {
  if (!s || !set) return false;
  for (const x of set) if (s.endsWith(x)) return true;
  return false;
}

export class LexiconScorer {
  private readonly phrases = new Map<string, Phrase[]>();
  private readonly emoticonsByFirst = new Map<string, Array<[string, readonly LexEntry[]]>>();

  constructor(
    private readonly lex: LexiconData,
    unitizer: Unitizer,
  ) {
    for (const [token, entries] of lex.emoticons) {
      const first = [...token][0] ?? '';
      const list = this.emoticonsByFirst.get(first) ?? [];
      list.push([token, entries]);
      this.emoticonsByFirst.set(first, list);
    }
    for (const [word, entries] of lex.words) {
      const units = unitizer.units(word).map((u) => u.text);
      if (units.length < 2 || units[0] === undefined) continue;
      const list = this.phrases.get(units[0]) ?? [];
      list.push({ units, entries });
      list.sort((a, b) => b.units.length - a.units.length);
      this.phrases.set(units[0], list);
    }
  }

  score(units: readonly Unit[], text: string): LexResult {
    const scores = emptyScores();
    const hits: LexHit[] = [];
    const negations: string[] = [];
    const intensifiers: string[] = [];

    // Emoticons and emoji on the raw text: only those whose first character occurs.
    const seen = new Set<string>();
    for (const ch of text) {
      if (seen.has(ch)) continue;
      seen.add(ch);
      for (const [token, entries] of this.emoticonsByFirst.get(ch) ?? []) {
        let count = 0;
        for (let at = text.indexOf(token); at >= 0 && count < MAX_EMOTICON_REPEAT; at = text.indexOf(token, at + token.length))
          count++;
        if (!count) continue;
        for (const e of entries) hits.push({ term: token, emotion: e.emotion, weight: e.weight * count, position: -1 });
      }
    }

    const contrastAt = this.lastContrast(units);
    const expected = this.expectationStarts(units);
    let i = 0;
    while (i < units.length) {
      const match = this.match(units, i);
      if (!match) {
        i++;
        continue;
      }
      const end = i + match.length;
      const next = units[end];
      const prev = units[i - 1];
      const entries = match.entries.filter(
        (e) =>
          !(next && next.clause === units[i]?.clause && startsWithAny(next.text, e.notNext)) &&
          !(prev && endsWithAny(prev.text, e.notPrev)),
      );
      if (entries.length) {
        const ctx = this.context(units, i, end);
        // Rhetorical 这不是骗人是什么 / 你不是说能退吗: 不是 … 是什么/吗 asserts, not negates.
        if (ctx.negator === '不是' && /是什么|吗$|么$|嘛$/.test(this.clauseTail(units, end))) ctx.negator = undefined;
        // 不会丢了吧 / 不会是假货吧: a feared outcome, asked about.
        if (ctx.negator === '不会' && /吧$/.test(this.clauseTail(units, end))) ctx.negator = undefined;
        if (ctx.intensifiers.length) intensifiers.push(...ctx.intensifiers);
        const term = units
          .slice(i, end)
          .map((u) => u.text)
          .join('');
        const clauseOf = units[i]?.clause ?? -1;
        const expectedFrom = expected.get(clauseOf);
        const contrast =
          (contrastAt < 0 ? 1 : i > contrastAt ? 1.25 : 0.5) *
          (expectedFrom !== undefined && expectedFrom < i ? EXPECTED_SCALE : 1);
        for (const e of entries) {
          if (!ctx.negator) {
            hits.push({ term, emotion: e.emotion, weight: e.weight * ctx.degree * ctx.post * contrast, position: i });
            continue;
          }
          const negated = `${ctx.negatorPhrase}${term}`;
          if (!negations.includes(negated)) negations.push(negated);
          if (e.negated === 'none' || e.emotion === 'calm') {
            if (e.emotion !== 'calm')
              hits.push({
                term: negated,
                emotion: 'calm',
                weight: e.weight * CANCEL_TO_CALM * contrast,
                negator: ctx.negator,
                position: i,
              });
          } else {
            const scale = e.negated === 'positive' ? NEGATED_FLAW_SCALE : NEGATED_SCALE;
            const w = e.weight * scale * ctx.negationStrength * ctx.degreeBeforeNegator * ctx.post * contrast;
            hits.push({ term: negated, emotion: e.negated, weight: w, negator: ctx.negator, position: i });
          }
        }
      }
      i = end;
    }
    for (const h of hits) scores[h.emotion] += h.weight;
    return { scores, hits, negations, intensifiers };
  }

  /** Longest phrase or single-unit entry at position i. */
  private match(units: readonly Unit[], i: number): { length: number; entries: readonly LexEntry[] } | null {
    const first = units[i];
    if (!first) return null;
    for (const p of this.phrases.get(first.text) ?? []) {
      if (p.units.every((u, k) => units[i + k]?.text === u && units[i + k]?.clause === first.clause))
        return { length: p.units.length, entries: p.entries };
    }
    const entries = this.lex.words.get(first.text);
    if (entries) return { length: 1, entries };
    return this.morpheme(first.text);
  }

  /** Weak fallback: an unknown 2–4 character word containing a negative morpheme (压坏). */
  private morpheme(word: string): { length: number; entries: readonly LexEntry[] } | null {
    if (word.length < 2 || word.length > 4) return null;
    for (const ch of word) {
      const entries = this.lex.morphemes.get(ch);
      if (entries) return { length: 1, entries: entries.map((e) => ({ ...e, word })) };
    }
    return null;
  }

  private context(units: readonly Unit[], start: number, end: number) {
    const { negators, degree, postDegree, negationEmphasis } = this.lex.modifiers;
    const clause = units[start]?.clause;
    const intensifiers: string[] = [];
    let post = 1;
    // 烦死了 right after the word, or 美得不像话 / 好吃得不得了 after 得.
    const after = units[end]?.text === '得' ? units[end + 1] : units[end];
    if (after && after.clause === clause) {
      const v = postDegree.get(after.text);
      if (v) {
        post = v;
        intensifiers.push(after.text);
      }
    }
    let degreeNearWord = 1; // between the negator (if any) and the word
    let degreeBeforeNegator = 1;
    let negCount = 0;
    let negator: string | undefined;
    let negatorAt = -1;
    let negationStrength = 1;
    for (let k = start - 1, steps = 0; k >= 0 && steps < 4; k--, steps++) {
      const u = units[k];
      if (!u || u.clause !== clause) break;
      const d = degree.get(u.text);
      const n = negators.get(u.text);
      if (n !== undefined) {
        negCount++;
        if (!negator) {
          negator = u.text;
          negatorAt = k;
          negationStrength = n;
        }
      } else if (d !== undefined) {
        if (negator) degreeBeforeNegator *= d;
        else degreeNearWord *= d;
        intensifiers.push(u.text);
      } else if (!BRIDGE.has(u.text)) break;
    }
    if (negator && negatorAt > 0) {
      const p1 = units[negatorAt - 1]?.text;
      const p2 = units[negatorAt - 2]?.text;
      if (
        (p1 && ['根本', '完全', '丝毫', '压根'].includes(p1)) ||
        ((p1 === '都' || p1 === '也') && p2 && negationEmphasis.has(p2))
      ) {
        negationStrength = Math.max(negationStrength, 1.4);
      }
    }
    const odd = negCount % 2 === 1;
    if (odd && degreeNearWord !== 1) negationStrength = Math.min(negationStrength, 0.9);
    const negatorPhrase = odd
      ? units
          .slice(negatorAt, start)
          .map((u) => u.text)
          .join('')
      : '';
    const ctx: {
      negator: string | undefined;
      negatorPhrase: string;
      negationStrength: number;
      degree: number;
      degreeBeforeNegator: number;
      post: number;
      intensifiers: string[];
    } = {
      negator: odd ? negator : undefined,
      negatorPhrase,
      negationStrength,
      degree: odd ? 1 : degreeNearWord * degreeBeforeNegator,
      degreeBeforeNegator,
      post,
      intensifiers,
    };
    return ctx;
  }

  /** The rest of the clause after the word (rhetorical 不是…吗, tentative 不会…吧). */
  private clauseTail(units: readonly Unit[], from: number): string {
    const clause = units[from - 1]?.clause;
    let tail = '';
    for (let k = from; k < units.length && units[k]?.clause === clause; k++) tail += units[k]?.text ?? '';
    return tail;
  }

  /** Per clause, the position of its first expectation marker (本来, 原以为 …). */
  private expectationStarts(units: readonly Unit[]): Map<number, number> {
    const { expectation } = this.lex.modifiers;
    const at = new Map<number, number>();
    units.forEach((u, k) => {
      if (expectation.has(u.text) && !at.has(u.clause)) at.set(u.clause, k);
    });
    return at;
  }

  /** Index of the last clause-initial contrast marker after the first clause, or -1. */
  private lastContrast(units: readonly Unit[]): number {
    const { contrast } = this.lex.modifiers;
    let at = -1;
    units.forEach((u, k) => {
      const clauseStart = k > 0 && units[k - 1]?.clause !== u.clause;
      const secondInClause = k > 1 && units[k - 2]?.clause !== u.clause && units[k - 1]?.clause === u.clause;
      if (contrast.has(u.text) && u.clause > 0 && (clauseStart || secondInClause)) at = k;
    });
    return at;
  }
}
