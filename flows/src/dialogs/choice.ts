/** Reads a client's answer to a numbered question: "1", "第二个", the option's label (a tapped button), or words of it. */
export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
  /** Words that pick this option when typed as the answer to its question instead of its number. */
  synonyms: string[];
  /**
   * Phrases that say this option anywhere in a free-text message (交易密码忘了 → 交易密码), so that a
   * flow does not ask what the client already said. Stricter than `synonyms`: in an answer 是 means
   * yes, in a sentence it means nothing.
   */
  mentions?: string[];
}

const ORDINALS = ['一', '二', '三', '四', '五', '六'];

export function pickChoice<T extends string>(text: string, options: ChoiceOption<T>[]): T | null {
  const t = text.trim();
  // A tapped button sends its label: that is the pick, whatever other options' words it contains.
  const exact = options.find((o) => o.label === t);
  if (exact) return exact.value;
  const n = Number(t.replace(/[^\d]/g, ''));
  if (/^\s*\d\s*$/.test(t) && n >= 1 && n <= options.length) return options[n - 1]!.value;
  for (let i = 0; i < options.length; i++) {
    if (t.includes(`第${ORDINALS[i]}`)) return options[i]!.value;
  }
  const hits = options.filter((o) => [o.label, ...o.synonyms].some((s) => t.includes(s)));
  return hits.length === 1 ? hits[0]!.value : null;
}

/**
 * The one option a free-text message mentions, or null (none, or several). A mention inside a
 * longer mention of another option does not count: 没有被锁 says "not locked", though it contains 被锁.
 */
export function mentionedChoice<T extends string>(text: string, options: ChoiceOption<T>[]): T | null {
  const t = text.toLowerCase();
  const hits: { value: T; start: number; end: number }[] = [];
  for (const o of options) {
    for (const phrase of o.mentions ?? []) {
      const p = phrase.toLowerCase();
      for (let i = t.indexOf(p); i >= 0; i = t.indexOf(p, i + 1)) hits.push({ value: o.value, start: i, end: i + p.length });
    }
  }
  const kept = hits.filter(
    (h) => !hits.some((o) => o.value !== h.value && o.end - o.start > h.end - h.start && o.start < h.end && h.start < o.end),
  );
  const values = [...new Set(kept.map((h) => h.value))];
  return values.length === 1 ? values[0]! : null;
}

export function renderChoices<T extends string>(question: string, options: ChoiceOption<T>[]): string {
  return `${question}\n${options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}\n（回复序号即可）`;
}

/** Words that end any flow. */
export function isCancel(text: string): boolean {
  return /^(取消|算了|不用了|不需要了|退出|结束)[。!！]?$/.test(text.trim());
}
