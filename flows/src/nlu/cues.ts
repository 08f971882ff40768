import { contentLength } from './normalize';

/**
 * Non-lexical arousal cues of a (normalised) message: runs of ! and ?, ellipses, repeated
 * characters or words (急急急, 转人工转人工转人工, 怎么办怎么办), and length bursts (a long,
 * many-clause message). They raise intensity; on their own only ??? counts as frustration.
 */
export interface Cues {
  /** Longest run of "!". */
  exclamation: number;
  /** Longest run of "?". */
  question: number;
  ellipsis: boolean;
  /** Repeated segments, e.g. ["急"], ["转人工"]. */
  repetition: string[];
  length: number;
  clauses: number;
  lengthBurst: boolean;
}

function longestRun(text: string, ch: string): number {
  let best = 0;
  let run = 0;
  for (const c of text) {
    run = c === ch ? run + 1 : 0;
    if (run > best) best = run;
  }
  return best;
}

// A 1-char unit three times (急急急, 啊啊啊) or a 2–5 char unit twice or more (怎么办怎么办).
const REPEAT_CHAR = /(\p{Script=Han})\1{2,}/gu;
const REPEAT_WORD = /(\p{Script=Han}{2,5})\1+/gu;
// Laughter and reduplicated words are not agitation.
const NOT_REPETITION = new Set([
  '哈',
  '呵',
  '嘻',
  '嘿',
  '嗯',
  '哦',
  '啦',
  '谢谢',
  '哈哈',
  '呵呵',
  '嘻嘻',
  '嗯嗯',
  '哦哦',
  '不错',
  '好的',
  '对的',
  '多谢',
  '感谢',
]);

export function extractCues(text: string): Cues {
  const repetition: string[] = [];
  for (const re of [REPEAT_CHAR, REPEAT_WORD]) {
    for (const m of text.matchAll(re)) {
      const unit = m[1];
      if (unit && !NOT_REPETITION.has(unit) && !repetition.includes(unit)) repetition.push(unit);
    }
  }
  const length = contentLength(text);
  const clauses = text.split(/[,.!?;。，！？；…~]+/).filter((c) => contentLength(c) > 0).length;
  return {
    exclamation: longestRun(text, '!'),
    question: longestRun(text, '?'),
    ellipsis: /\.{3,}|…|。{2,}/.test(text),
    repetition,
    length,
    clauses,
    lengthBurst: length >= 60 || (length >= 40 && clauses >= 4),
  };
}
