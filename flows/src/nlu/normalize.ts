import { foldTraditional } from './traditional';

/**
 * Text normalisation before analysis: NFKC folds full-width ASCII and punctuation
 * (！？，：１２３ＡＢＣ → !?,:123ABC), common traditional characters become simplified
 * (態度很差 → 态度很差), Latin is lower-cased, links and @mentions are removed, #话题# keeps its
 * words, and whitespace runs collapse.
 * Full-width "。" and "、" have no compatibility form and stay as they are.
 */
export function normalizeText(text: string): string {
  return foldTraditional(text.normalize('NFKC'))
    .toLowerCase()
    .replace(URL, ' ')
    .replace(MENTION, ' ')
    .replace(/#([^#\s]{1,30})#/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

// Social-media noise: links and @mentions (回复@某某:, //@某某:) carry no client sentiment
// but user names often contain emotional characters.
const URL = /https?:\/\/\S+|www\.\S+/g;
const MENTION = /(回复)?(\/\/)?(?<![a-z0-9._-])@[^\s:：,，。!！?？@]{1,30}[:：]?/g;

/** Clause-ending punctuation (after normalisation). */
export const CLAUSE_BREAK = /^[,.!?;:~。、…\n，！？；：～\s()（）"“”'‘’【】]+$/;

export function isPunctuation(token: string): boolean {
  return CLAUSE_BREAK.test(token);
}

/** CJK ideographs, letters and digits: what "length" of a message means. */
export function contentLength(text: string): number {
  return (text.match(/[\p{Script=Han}a-z0-9]/gu) ?? []).length;
}
