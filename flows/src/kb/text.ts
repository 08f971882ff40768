import { segment } from '../nlu/segment';

/**
 * Text processing for KB retrieval: normalisation, word tokens (jieba + finance dictionary,
 * stop words removed, a few synonyms folded) and character bigrams (for out-of-vocabulary
 * words, typos and segmentation mismatches such as 开同创业板 → 开同|创业板).
 * The same functions are applied to KB sentences and to client queries.
 */

/**
 * String-level rewrites applied before segmentation: common misspellings / variant characters
 * and colloquial forms we want to fold into the wording the KB uses. Longest keys first.
 */
const REWRITES: ReadonlyArray<readonly [string, string]> = [
  ['想不起来', '忘记'],
  ['记不起来', '忘记'],
  ['记不住', '忘记'],
  ['不记得', '忘记'],
  ['维保比例', '维持担保比例'],
  ['担保比率', '担保比例'],
  ['登陆', '登录'],
  ['帐', '账'],
  ['銀', '银'],
  ['l2', 'level-2'],
  ['level2', 'level-2'],
  ['leve2', 'level-2'],
  ['手机号码', '手机号'],
  ['电话号码', '手机号'],
  ['短信码', '验证码'],
];

/** Token-level synonyms: token → canonical token(s). */
const SYNONYMS: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['忘', ['忘记']],
  ['忘掉', ['忘记']],
  ['两融', ['融资融券']],
  ['新股申购', ['新股', '申购']],
  ['申购新股', ['新股', '申购']],
  ['国债逆回购', ['国债', '逆回购']],
  ['银证转账', ['银证', '转账']],
  ['转帐', ['转账']],
  ['强制平仓', ['强平']],
  ['软件', ['app']],
  ['客户端', ['app']],
  ['咋', ['怎么']],
  ['注销', ['销户']],
  ['销掉', ['销户']],
  ['冻', ['冻结']],
  ['冻住', ['冻结']],
  ['手续费', ['费用']],
  ['收费', ['费用']],
  ['扣费', ['扣款']],
  ['开市', ['开盘']],
  ['闭市', ['休市']],
  ['买入', ['买']],
  ['买进', ['买']],
  ['卖出', ['卖']],
  ['卖掉', ['卖']],
  ['当日', ['当天']],
  ['营业厅', ['营业部']],
  ['网点', ['营业部']],
  ['真人', ['人工']],
  ['取钱', ['转出']],
  ['提现', ['转出']],
  ['出金', ['转出']],
  ['存钱', ['转入']],
  ['入金', ['转入']],
  ['股票账户', ['证券账户']],
  ['炒股', ['股票']],
  ['钱', ['资金']],
  ['转钱', ['转账']],
  ['票', ['股票']],
  ['股', ['股票']],
]);

/**
 * Chinese function words and politeness/filler tokens that carry no topic. Interrogatives such
 * as 什么时候 / 多少 / 为什么 are kept on purpose (they separate 'when' / 'how much' / 'why
 * failed' questions); IDF down-weights whatever is frequent anyway.
 */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    '的 了 吗 呢 吧 啊 呀 哦 嘛 哈 么 啦 喔 噢 诶 唉 哎 嗯 额 呃 之 地 得 着 过 也 都 就 还 又 再 才 而 且 及 与 和 跟 或 或者 ' +
    '我 我的 我们 你 你们 您 您好 你好 他 她 它 他们 咱 咱们 自己 本人 这 那 这个 那个 这些 那些 这样 那样 这种 那种 一个 个 ' +
    '请问 请 麻烦 帮 帮忙 帮我 一下 下 想 想要 要 需要 想问 问 问下 问一下 咨询 了解 知道 告诉 谢谢 感谢 好 好的 ok 在吗 ' +
    '怎么 怎么样 怎样 怎么办 怎么弄 咋办 如何 啥 什么 是 是不是 不是 有没有 可以 可不可以 能 能否 能不能 会 会不会 ' +
    '呗 哪 哪里 哪儿 在哪 在哪里 在哪儿 去哪 一些 有点 一点 比较 非常 很 太 真 真的 就是 然后 但是 因为 所以 如果 ' +
    '在 不 在不在 在么 在嘛 哈喽 嗨 hi hello 有 现在 目前 已经 刚才 刚刚 刚 一直 老是 总是 还是 应该 操作 办理 办 弄 搞 做'
  )
    .split(/\s+/)
    .filter(Boolean),
);

const PUNCT_ONLY = /^[\p{P}\p{S}\s]+$/u;

/** NFKC (full-width → half-width), lower case, whitespace collapsed, rewrites applied. */
export function normalize(text: string): string {
  let t = text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  for (const [from, to] of REWRITES) if (t.includes(from)) t = t.split(from).join(to);
  return t;
}

export interface Analyzed {
  /** Content word tokens (stop words and punctuation removed, synonyms folded). */
  words: string[];
  /** Character bigrams inside runs of content tokens; a lone content unit is kept as is. */
  bigrams: string[];
}

const UNIT = /[a-z0-9]+(?:[.+%-][a-z0-9%]+)*%?|[\p{Script=Han}]|[^\s\p{P}\p{S}]/gu;

function units(run: string): string[] {
  return run.match(UNIT) ?? [];
}

/** Segment once, derive both feature sets. */
export function analyze(text: string): Analyzed {
  const tokens = segment(normalize(text));
  const words: string[] = [];
  const bigrams: string[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length === 0) return;
    const u = run.flatMap(units);
    if (u.length === 1) bigrams.push(u[0] as string);
    for (let i = 0; i + 1 < u.length; i++) bigrams.push(`${u[i] as string}${u[i + 1] as string}`);
    run = [];
  };
  for (const tok of tokens) {
    if (PUNCT_ONLY.test(tok) || STOP_WORDS.has(tok)) {
      flush();
      continue;
    }
    run.push(tok);
    const syn = SYNONYMS.get(tok);
    if (syn) words.push(...syn);
    else words.push(tok);
  }
  flush();
  return { words, bigrams };
}
