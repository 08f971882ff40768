/**
 * Money amounts in client messages, in yuan: "50万", "1.5w", "一百二十万", "八十万元",
 * "1000000元". Used to tell a large failed transfer from a small one.
 */
const DIGIT: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
const UNIT: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };

/** 一百二十 → 120, 十五 → 15, 两千 → 2000 (below 万). */
export function parseChineseNumber(s: string): number | null {
  if (!s || !/^[零〇一二两三四五六七八九十百千]+$/.test(s)) return null;
  let total = 0;
  let digit = 0;
  for (const ch of s) {
    if (ch in DIGIT) digit = DIGIT[ch] ?? 0;
    else {
      const unit = UNIT[ch] ?? 1;
      total += (digit || 1) * unit;
      digit = 0;
    }
  }
  return total + digit;
}

const ARABIC_WAN = /(\d+(?:\.\d+)?)\s*(万|w)/g;
const CHINESE_WAN = /([零〇一二两三四五六七八九十百千]+)万/g;
const PLAIN_YUAN = /(\d{4,})(?:\.\d+)?\s*(元|块)/g;

/** The largest amount mentioned, in yuan (0 when none). */
export function largestAmount(text: string): number {
  let best = 0;
  for (const m of text.matchAll(ARABIC_WAN)) best = Math.max(best, Number(m[1]) * 10_000);
  for (const m of text.matchAll(CHINESE_WAN)) best = Math.max(best, (parseChineseNumber(m[1] ?? '') ?? 0) * 10_000);
  for (const m of text.matchAll(PLAIN_YUAN)) best = Math.max(best, Number(m[1]));
  return best;
}
