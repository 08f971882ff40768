import type { Emotion } from './labels';
import type { LexHit } from './lexicon-score';

/**
 * Sentiment carried by a construction rather than by a sentiment word: review and complaint
 * phrasing that no word list covers, because the words are neutral (等了一个半小时, 三天才发货,
 * 不会再点了, 和图片不一样). Matched on the normalised text; each hit counts like a lexicon hit.
 */
interface Pattern {
  name: string;
  re: RegExp;
  emotion: Emotion;
  weight: number;
}

const NUMBER = '(?:[一二两三四五六七八九十几半\\d]+|好几)';
const DURATION = `${NUMBER}(?:个)?(?:多)?(?:半)?(?:小时|钟头|分钟|天|周|星期|礼拜|个月)(?:多)?`;
const CLAUSE = '[^,.!?;:~。，！？；：～]';

const PATTERNS: Pattern[] = [
  // A wait that is reported is a complaint: 等了一个半小时, 送了四十分钟, 排了两个小时的队.
  {
    name: 'waited',
    re: new RegExp(`(?:等|送|排|催|拖|耗)了(?:快|将近|足足|整整|差不多|大概|近)?${DURATION}`),
    emotion: 'angry',
    weight: 0.5,
  },
  // Arrived only after a while: 一个小时才送到, 三天才发货. (…了还没 is left to the models: a
  // client waiting for money is anxious rather than angry.)
  { name: 'late', re: new RegExp(`${DURATION}才(?:到|送|发|来|回|处理|解决|上|好)`), emotion: 'angry', weight: 0.5 },
  // Not coming back: 不会再来了, 再也不买了, 再也不会点这家.
  {
    name: 'never_again',
    re: /(?:不会再|再也不会?|再也不想|绝不再|坚决不再?|不敢再)(?:来|买|点|住|光顾|去|用|选|回购|推荐|下单|入住|吃|订)/,
    emotion: 'angry',
    weight: 0.7,
  },
  // Not as described: 和图片不一样, 跟宣传差太多, 与描述不符.
  {
    name: 'not_as_described',
    re: new RegExp(
      `(?:跟|和|与)(?:图片|图|描述|宣传|照片|介绍|详情|页面|样品|广告|视频)${CLAUSE}{0,4}(?:不符|不一样|不同|差(?:距|别|太|很|得|远)|两回事)`,
    ),
    emotion: 'angry',
    weight: 0.6,
  },
  // A job not done: 封口都没封好, 没处理好, 没说清楚.
  {
    name: 'not_done',
    re: /没(?:有)?(?:封|包|做|弄|搞|办|修|装|处理|安排|说|讲|解决|洗|擦)(?:好|清楚|干净)/,
    emotion: 'angry',
    weight: 0.4,
  },
  // Repeated attempts: 打了三次电话, 催了好几次, 反映了无数次.
  { name: 'repeated', re: new RegExp(`(?:打|催|找|问|联系|投诉|反映|修|换)了${NUMBER}次`), emotion: 'angry', weight: 0.5 },
  // Frustration phrased as a question: 你们有没有人管？, 到底怎么回事, 凭什么降我额度, 怎么突然就降了.
  {
    name: 'frustrated_question',
    re: /有没有人(?:管|理|负责|处理)|没人(?:管|理|负责)(?:吗|啊|呀|么)?|到底(?:怎么|什么|为什么|为啥|有没有|还要|要不要|能不能|是不是|行不行|管不管)|怎么回事|搞什么|凭什么|什么意思[?？]|怎么(?:突然|莫名其妙|无缘无故)|(?:突然|莫名其妙|无缘无故)(?:就)?(?:降|扣|少|没了|冻结|被限)|还有没有人/,
    emotion: 'angry',
    weight: 0.8,
  },
];

export function patternHits(text: string): LexHit[] {
  const hits: LexHit[] = [];
  for (const p of PATTERNS) {
    const m = p.re.exec(text);
    if (m) hits.push({ term: m[0], emotion: p.emotion, weight: p.weight, position: -1 });
  }
  return hits;
}
