import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Emotion } from './labels';
import { isEmotion } from './labels';
import { NLU_DATA_DIR } from './paths';

/**
 * The sentiment lexicon (flows/data/nlu/sentiment-lexicon.txt) and the modifier tables
 * (modifiers.txt): negators, degree adverbs, post-positive degree words and contrast markers.
 * Parsing only; matching lives in lexicon-score.ts.
 */
export const LEXICON_PATH = path.join(NLU_DATA_DIR, 'sentiment-lexicon.txt');
export const MODIFIERS_PATH = path.join(NLU_DATA_DIR, 'modifiers.txt');

export interface LexEntry {
  word: string;
  emotion: Emotion;
  weight: number;
  /** Meaning under negation; 'none' cancels the entry. */
  negated: Emotion | 'none';
  notNext?: ReadonlySet<string>;
  notPrev?: ReadonlySet<string>;
}

export interface Modifiers {
  negators: ReadonlyMap<string, number>;
  negationEmphasis: ReadonlySet<string>;
  degree: ReadonlyMap<string, number>;
  postDegree: ReadonlyMap<string, number>;
  contrast: ReadonlySet<string>;
  /** 本来/原以为 …: what follows in the clause was expected, and is usually contradicted. */
  expectation: ReadonlySet<string>;
}

export interface LexiconData {
  /** Word entries keyed by the word; a word may carry several emotions. */
  words: ReadonlyMap<string, readonly LexEntry[]>;
  /** Emoticons ([泪]) and emoji, matched on raw text. */
  emoticons: ReadonlyMap<string, readonly LexEntry[]>;
  /**
   * Single characters that mark an unknown word as negative (压坏, 烂掉, 脏兮兮): a weak
   * fallback for units the lexicon does not list.
   */
  morphemes: ReadonlyMap<string, readonly LexEntry[]>;
  modifiers: Modifiers;
}

function sections(content: string, file: string): Array<{ section: string; fields: string[]; where: string }> {
  const out: Array<{ section: string; fields: string[]; where: string }> = [];
  let section = '';
  content.split(/\r?\n/).forEach((line, i) => {
    const where = `${path.basename(file)}:${i + 1}`;
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    if (t.startsWith('@section ')) {
      section = t.slice('@section '.length).trim();
      return;
    }
    if (!section) throw new Error(`${where}: entry before any @section`);
    out.push({ section, fields: t.split(/\s+/), where });
  });
  return out;
}

function parseWeight(s: string | undefined, where: string): number {
  const w = Number(s);
  if (!Number.isFinite(w) || w < 0 || w > 2) throw new Error(`${where}: bad weight "${s}"`);
  return w;
}

export function parseLexicon(content: string, file = LEXICON_PATH): Pick<LexiconData, 'words' | 'emoticons' | 'morphemes'> {
  const words = new Map<string, LexEntry[]>();
  const emoticons = new Map<string, LexEntry[]>();
  const morphemes = new Map<string, LexEntry[]>();
  for (const { section, fields, where } of sections(content, file)) {
    const [kind, sub] = section.includes(':') ? section.split(':') : ['word', section];
    const emotion = sub ?? '';
    if (kind !== 'word' && kind !== 'emoticon' && kind !== 'morpheme') throw new Error(`${where}: unknown section ${section}`);
    if (!isEmotion(emotion)) throw new Error(`${where}: unknown section ${section}`);
    const [rawWord, weight, ...opts] = fields;
    if (!rawWord) continue;
    const word = rawWord.normalize('NFKC').toLowerCase();
    const entry: LexEntry = {
      word,
      emotion,
      weight: parseWeight(weight, where),
      negated: emotion === 'positive' ? 'angry' : 'none',
    };
    for (const opt of opts) {
      if (opt.startsWith('neg=')) {
        const n = opt.slice(4);
        if (n !== 'none' && !isEmotion(n)) throw new Error(`${where}: bad ${opt}`);
        entry.negated = n;
      } else if (opt.startsWith('!next=')) entry.notNext = new Set(opt.slice(6).split('|'));
      else if (opt.startsWith('!prev=')) entry.notPrev = new Set(opt.slice(6).split('|'));
      else throw new Error(`${where}: unknown option ${opt}`);
    }
    const target = kind === 'emoticon' ? emoticons : kind === 'morpheme' ? morphemes : words;
    const list = target.get(word) ?? [];
    if (list.some((e) => e.emotion === emotion)) throw new Error(`${where}: duplicate entry ${word}/${emotion}`);
    list.push(entry);
    target.set(word, list);
  }
  return { words, emoticons, morphemes };
}

export function parseModifiers(content: string, file = MODIFIERS_PATH): Modifiers {
  const negators = new Map<string, number>();
  const negationEmphasis = new Set<string>();
  const degree = new Map<string, number>();
  const postDegree = new Map<string, number>();
  const contrast = new Set<string>();
  const expectation = new Set<string>();
  for (const { section, fields, where } of sections(content, file)) {
    const [word, value] = fields;
    if (!word) continue;
    switch (section) {
      case 'negator':
        negators.set(word, parseWeight(value, where));
        break;
      case 'negation_emphasis':
        negationEmphasis.add(word);
        break;
      case 'degree':
        degree.set(word, parseWeight(value, where));
        break;
      case 'post_degree':
        postDegree.set(word, parseWeight(value, where));
        break;
      case 'contrast':
        contrast.add(word);
        break;
      case 'expectation':
        expectation.add(word);
        break;
      default:
        throw new Error(`${where}: unknown section ${section}`);
    }
  }
  return { negators, negationEmphasis, degree, postDegree, contrast, expectation };
}

export function loadLexiconData(lexiconPath = LEXICON_PATH, modifiersPath = MODIFIERS_PATH): LexiconData {
  return {
    ...parseLexicon(readFileSync(lexiconPath, 'utf8'), lexiconPath),
    modifiers: parseModifiers(readFileSync(modifiersPath, 'utf8'), modifiersPath),
  };
}
