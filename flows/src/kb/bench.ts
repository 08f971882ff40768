/**
 * Build-time and query-latency benchmark for the KB (a script, not a test):
 *
 *   npx tsx flows/src/kb/bench.ts
 *
 * Prints: jieba dictionary load (one-off per process, shared with the NLU), KB load+validate+
 * index build (median of several runs), and search()/answer() latency percentiles over every
 * question/variant in the KB plus some off-topic and typo'd queries.
 */
import { segment } from '../nlu/segment';
import { KnowledgeBase } from './knowledge-base';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

function main(): void {
  let t = performance.now();
  segment('预热');
  const jiebaMs = performance.now() - t;

  const builds: number[] = [];
  let kb: KnowledgeBase | undefined;
  for (let i = 0; i < 7; i++) {
    t = performance.now();
    kb = KnowledgeBase.load();
    builds.push(performance.now() - t);
  }
  if (!kb) return;
  builds.sort((a, b) => a - b);

  const queries = [
    ...kb.entries.flatMap((e) => [e.question, ...e.variants]),
    '今天天气怎么样',
    '你好',
    '啊啊啊',
    '银正转帐失败了咋办',
    '开同创业板要多少钱',
    '我的帐户被冻节了',
    '两融维保比例跌倒130%会怎么样，我很着急，昨天买的票今天大跌',
  ];
  for (const q of queries) kb.answer(q); // warm-up
  const time = (fn: (q: string) => unknown): number[] => {
    const out: number[] = [];
    for (let r = 0; r < 5; r++)
      for (const q of queries) {
        const s = performance.now();
        fn(q);
        out.push(performance.now() - s);
      }
    return out.sort((a, b) => a - b);
  };
  const search = time((q) => kb.search(q, 5));
  const answer = time((q) => kb.answer(q));
  const fmt = (xs: number[]): string =>
    `p50 ${(1000 * percentile(xs, 0.5)).toFixed(0)} µs, p99 ${(1000 * percentile(xs, 0.99)).toFixed(0)} µs, max ${(1000 * (xs[xs.length - 1] ?? 0)).toFixed(0)} µs`;

  console.log(`entries: ${kb.size}, queries timed: ${search.length} per API`);
  console.log(`jieba + finance dictionary load (once per process): ${jiebaMs.toFixed(0)} ms`);
  console.log(
    `KnowledgeBase.load() (read + zod + segment + index): median ${percentile(builds, 0.5).toFixed(1)} ms, min ${builds[0]?.toFixed(1)} ms, max ${builds[builds.length - 1]?.toFixed(1)} ms`,
  );
  console.log(`search(q, 5): ${fmt(search)}`);
  console.log(`answer(q):    ${fmt(answer)}`);
}

main();
