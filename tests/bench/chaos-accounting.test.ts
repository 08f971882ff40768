import { ChaosLedger, percentile, renderTable } from '../../bench/chaos/accounting';

const answers = new Map([
  ['开户免费', 'open-account-fee'],
  ['九点半开盘', 'trading-hours'],
]);

describe('chaos accounting', () => {
  it('counts a message once however often it is re-sent and acknowledged, and answers it with its own answer', () => {
    const ledger = new ChaosLedger(answers);
    const m = ledger.sent(1, 'a1', 'open-account-fee', 'bot', 1_000);
    ledger.resent(m);
    ledger.acked(m, 1_200, true);
    ledger.acked(m, 1_300, true); // the re-send's ack: duplicate
    expect(ledger.botMessage(1, 'b1', '九点半开盘', 'bot', 1_400)).toBe('unexpected');
    expect(ledger.botMessage(1, 'b2', '开户免费', 'bot', 1_500)).toBe('answer');
    const row = ledger.row('bot');
    expect(row).toMatchObject({ offered: 1, resends: 1, acknowledged: 1, answered: 1, unexpected: 1, neverAnswered: 0 });
    expect(row.p99AnswerMs).toBe(500);
  });

  it('tells a message delivered twice (same id) from a question answered twice (two ids)', () => {
    const ledger = new ChaosLedger(answers);
    const m = ledger.sent(1, 'a1', 'open-account-fee', 'router', 0);
    ledger.acked(m, 10, true);
    expect(ledger.botMessage(1, 'b1', '开户免费', 'router', 100)).toBe('answer');
    // Reconnected (next phase by now): history repeats b1, and a second answer b2 comes.
    expect(ledger.botMessage(1, 'b1', '开户免费', 'gateway', 200)).toBe('delivered-twice');
    expect(ledger.botMessage(1, 'b2', '开户免费', 'gateway', 300)).toBe('answered-twice');
    expect(ledger.row('router')).toMatchObject({ answered: 1, deliveredTwice: 1, answeredTwice: 1 });
    expect(ledger.row('gateway')).toMatchObject({ answered: 0, deliveredTwice: 0, answeredTwice: 0 });
  });

  it('answers the oldest open message of the same client and question, never another client’s', () => {
    const ledger = new ChaosLedger(answers);
    const first = ledger.sent(1, 'a1', 'open-account-fee', 'redis', 0);
    const second = ledger.sent(1, 'a2', 'open-account-fee', 'redis', 50);
    const other = ledger.sent(2, 'x1', 'open-account-fee', 'redis', 0);
    [first, second, other].forEach((m) => ledger.acked(m, 60, true));
    expect(ledger.botMessage(1, 'b1', '开户免费', 'redis', 100)).toBe('answer');
    expect(first.answeredAt).toBe(100);
    expect(second.answeredAt).toBeNull();
    expect(other.answeredAt).toBeNull();
    expect(ledger.row('redis')).toMatchObject({ acknowledged: 3, answered: 1, neverAnswered: 2 });
  });

  it('keeps un-acknowledged messages waiting for a re-send until acked, rejected or answered', () => {
    const ledger = new ChaosLedger(answers);
    const lostAck = ledger.sent(1, 'a1', 'open-account-fee', 'gateway', 0);
    const rejected = ledger.sent(1, 'a2', 'trading-hours', 'gateway', 0);
    const pending = ledger.sent(2, 'b1', 'trading-hours', 'gateway', 0);
    ledger.acked(rejected, 5, false, 'rate_limited');
    expect(ledger.waitingForAck()).toEqual([lostAck, pending]);
    // The answer arrived though the ack was lost: stored after all, nothing to re-send.
    ledger.botMessage(1, 'm1', '开户免费', 'gateway', 10);
    expect(ledger.waitingForAck()).toEqual([pending]);
    expect(ledger.row('gateway')).toMatchObject({ offered: 3, acknowledged: 0, rejected: 1, neverAcknowledged: 1, answered: 1 });
  });

  it('keeps a message refused busy waiting (the app re-sends it) and counts the refusal, not a rejection', () => {
    const ledger = new ChaosLedger(answers);
    const m = ledger.sent(1, 'a1', 'open-account-fee', 'bot', 0);
    ledger.refused(m, 'busy');
    ledger.resent(m);
    ledger.refused(m, 'busy');
    expect(ledger.waitingForAck()).toEqual([m]);
    expect(ledger.row('bot')).toMatchObject({ refusals: { busy: 2 }, rejected: 0, neverAcknowledged: 1, acknowledged: 0 });
    ledger.resent(m);
    ledger.acked(m, 3_000, true);
    expect(ledger.row('bot')).toMatchObject({ acknowledged: 1, neverAcknowledged: 0, neverAnswered: 1, resends: 2 });
  });

  it('counts a client handed to an advisor apart: its unanswered messages are not "never answered"', () => {
    const ledger = new ChaosLedger(answers);
    const a = ledger.sent(1, 'a1', 'open-account-fee', 'router', 0);
    const b = ledger.sent(2, 'b1', 'open-account-fee', 'router', 0);
    [a, b].forEach((m) => ledger.acked(m, 10, true));
    expect(ledger.botMessage(2, 'n1', '正在为您转接人工客服', 'router', 20)).toBe('unexpected');
    ledger.setState(2, 'queued');
    expect(ledger.row('router')).toMatchObject({
      neverAnswered: 1,
      handedOff: 1,
      unexpected: 1,
      unexpectedSamples: ['正在为您转接人工客服'],
    });
    ledger.setState(2, 'bot');
    expect(ledger.row('router')).toMatchObject({ neverAnswered: 2, handedOff: 0 });
  });

  it('measures how answers recovered after a fault: first answer after it, and the last of the messages it caught', () => {
    const ledger = new ChaosLedger(answers);
    const before = ledger.sent(1, 'a1', 'open-account-fee', 'bot', 0);
    ledger.acked(before, 10, true);
    expect(ledger.botMessage(1, 'b1', '开户免费', 'bot', 50)).toBe('answer'); // answered before the fault
    const caught = ledger.sent(2, 'x1', 'trading-hours', 'bot', 900);
    const caughtToo = ledger.sent(3, 'y1', 'open-account-fee', 'bot', 950);
    const afterFault = ledger.sent(4, 'z1', 'open-account-fee', 'bot', 1_100);
    [caught, caughtToo].forEach((m) => ledger.acked(m, 990, true));
    ledger.acked(afterFault, 1_150, true);
    ledger.faultInjected('bot', 1_000);
    expect(ledger.row('bot')).toMatchObject({ faultToFirstAnswerMs: null, inFlightAtFault: 2, inFlightAnswered: 0 });
    // A reply produced before the kill still arrives; the new worker then answers a new message, then the held one.
    ledger.botMessage(3, 'y-ans', '开户免费', 'bot', 1_200);
    ledger.botMessage(4, 'z-ans', '开户免费', 'bot', 4_000);
    expect(ledger.row('bot')).toMatchObject({
      faultAt: 1_000,
      faultToFirstAnswerMs: 200,
      faultToFirstNewAnswerMs: 3_000,
      inFlightAtFault: 2,
      inFlightAnswered: 1,
      faultToLastInFlightAnswerMs: 200,
    });
    expect(renderTable([ledger.row('bot')])).toMatch(/\| bot\s+\|.*\|\s+200 \|\s+3000 \|\s+1\/2 \|\s+200 \|/);
    ledger.botMessage(2, 'x-ans', '九点半开盘', 'bot', 31_000);
    const row = ledger.row('bot');
    expect(row).toMatchObject({ inFlightAnswered: 2, faultToLastInFlightAnswerMs: 30_000, maxAnswerMs: 30_100 });
    expect(renderTable([row])).toMatch(/\| bot\s+\|.*\|\s+200 \|\s+3000 \|\s+2 \|\s+30000 \|/);
    // A phase without a fault has no recovery figures.
    expect(ledger.row('none')).toMatchObject({ faultAt: null, faultToFirstAnswerMs: null, inFlightAtFault: 0 });
  });

  it('renders one row per fault and takes nearest-rank percentiles', () => {
    expect(percentile([], 99)).toBeNull();
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(
      percentile(
        Array.from({ length: 100 }, (_, i) => i + 1),
        99,
      ),
    ).toBe(99);
    const ledger = new ChaosLedger(answers);
    ledger.sent(1, 'a1', 'open-account-fee', 'database', 0);
    const table = renderTable([ledger.row('database')]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toMatch(/\| database \|\s+1 \|/);
    expect(table.split('\n')[0]).toContain('never answered');
  });
});
