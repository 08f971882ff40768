import type { EscalationPolicy } from '@brokerbot/flows';
import { distressHoldingReply } from '../src/escalate';

const policy: Pick<EscalationPolicy, 'businessHours' | 'hotline'> = {
  hotline: '400-000-0000',
  businessHours: { timezone: 'Asia/Shanghai', weekdays: [1, 2, 3, 4, 5], open: '08:30', close: '21:00', closedDates: [] },
};
// Thursday 2026-12-03 in Shanghai.
const thursdayMorning = new Date('2026-12-03T02:00:00Z'); // 10:00
const lateEvening = new Date('2026-12-03T14:44:00Z'); // 22:44

/** What a client in distress reads while a person is found: practical, honest about the hour. */
describe('distressHoldingReply', () => {
  it('explains a margin call (deadline to add collateral or repay) and gives the hotline, at any hour', () => {
    for (const now of [thursdayMorning, lateEvening]) {
      const reply = distressHoldingReply(policy, '两融要被强平了，血本无归', 'margin_call', now);
      expect(reply).toContain('追保');
      expect(reply).toMatch(/期限内.*转入资金.*归还融资/);
      expect(reply).toContain('400-000-0000');
    }
  });

  it('after hours says that an advisor is sought but not guaranteed, and never promises a call-back time', () => {
    const reply = distressHoldingReply(policy, '我不想活了，全亏光了', 'chitchat', lateEvening);
    expect(reply).toContain('非人工服务时间');
    expect(reply).toContain('不能保证马上有人接入');
    expect(reply).not.toMatch(/上班后|第一时间联系您/);
    expect(reply).toMatch(/110|120/); // personal safety first
    expect(reply).not.toContain('追保'); // nothing about margin for a client who did not mention it
  });

  it('in business hours says an advisor is being connected, with the hotline as the fallback', () => {
    const reply = distressHoldingReply(policy, '账户被冻结了怎么办，急死了', 'account_frozen', thursdayMorning);
    expect(reply).toContain('已为您优先转接顾问');
    expect(reply).toContain('如几分钟内没有顾问接入，请直接拨打客服热线400-000-0000');
  });
});
