/**
 * Masks personal data in free text: mainland ID-card numbers, mobile numbers and bank-card
 * numbers. Used by the logger and by every view that does not need the full value.
 * The last four characters stay visible, as Chinese banks print them (尾号1234).
 */
const ID_CARD = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;
// 16–19 digits, optionally grouped by spaces or dashes as printed on bank cards.
const BANK_CARD = /(?<![\d*])\d{4}(?:[ -]?\d){12,15}(?![\d*])/g;
const MOBILE = /(?<![\d*])1[3-9]\d{9}(?![\d*])/g;

function keepEnds(value: string, head: number, tail: number): string {
  let seen = 0;
  const digits = value.replace(/[ -]/g, '').length;
  return value.replace(/[\dXx]/g, (ch) => {
    seen += 1;
    return seen <= head || seen > digits - tail ? ch : '*';
  });
}

export function maskPII(text: string): string {
  return text
    .replace(ID_CARD, (m) => keepEnds(m, 4, 4))
    .replace(BANK_CARD, (m) => keepEnds(m, 4, 4))
    .replace(MOBILE, (m) => keepEnds(m, 3, 4));
}

/** Masks a phone number for display: 138****5678. */
export function maskPhone(phone: string): string {
  return keepEnds(phone, 3, 4);
}
