// @ts-check
/*
 * Canned replies' text: which replies match what the advisor typed after `/`, and the variables
 * filled in. Pure (unit-tested in agent-console/test/console-decisions.test.ts).
 */

/** @typedef {{ keyword: string, text: string }} CannedText */

/**
 * {客户称呼} becomes the client's name (您 when unknown), {顾问姓名} the advisor's.
 * @param {string} text
 * @param {string} clientName
 * @param {string} advisorName
 */
export function fillVariables(text, clientName, advisorName) {
  return text
    .split('{客户称呼}')
    .join(clientName || '您')
    .split('{顾问姓名}')
    .join(advisorName);
}

/**
 * Replies whose keyword contains `q` first, then those whose text does; at most `max`.
 * @template {CannedText} T
 * @param {T[]} items
 * @param {string} q
 * @param {number} max
 * @returns {T[]}
 */
export function matchCanned(items, q, max) {
  const query = q.trim().toLowerCase();
  if (!query) return items.slice(0, max);
  const byKeyword = items.filter((i) => i.keyword.toLowerCase().includes(query));
  const byText = items.filter((i) => !byKeyword.includes(i) && i.text.toLowerCase().includes(query));
  return [...byKeyword, ...byText].slice(0, max);
}
