/** Reads a client's answer to a numbered question: "1", "第二个", or words of the option itself. */
export interface ChoiceOption<T extends string> {
  value: T;
  label: string;
  /** Words that pick this option when typed instead of its number. */
  synonyms: string[];
}

const ORDINALS = ['一', '二', '三', '四', '五', '六'];

export function pickChoice<T extends string>(text: string, options: ChoiceOption<T>[]): T | null {
  const t = text.trim();
  const n = Number(t.replace(/[^\d]/g, ''));
  if (/^\s*\d\s*$/.test(t) && n >= 1 && n <= options.length) return options[n - 1]!.value;
  for (let i = 0; i < options.length; i++) {
    if (t.includes(`第${ORDINALS[i]}`)) return options[i]!.value;
  }
  const hits = options.filter((o) => [o.label, ...o.synonyms].some((s) => t.includes(s)));
  return hits.length === 1 ? hits[0]!.value : null;
}

export function renderChoices<T extends string>(question: string, options: ChoiceOption<T>[]): string {
  return `${question}\n${options.map((o, i) => `${i + 1}. ${o.label}`).join('\n')}\n（回复序号即可）`;
}

/** Words that end any flow. */
export function isCancel(text: string): boolean {
  return /^(取消|算了|不用了|不需要了|退出|结束)[。!！]?$/.test(text.trim());
}
