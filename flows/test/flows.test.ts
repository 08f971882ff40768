import { ConversationState, MemoryStorage, TestAdapter, type Activity, type TurnContext } from 'botbuilder-core';
import { DialogTurnStatus, type DialogState } from 'botbuilder-dialogs';
import { createFlowDialogs, FLOW_FOR_INTENT, mentionedChoice, pickChoice, type FlowResult } from '../src/dialogs';
import { assetsFromText, experienceFromText } from '../src/dialogs/margin-eligibility-dialog';
import { topicFromText } from '../src/dialogs/appointment-dialog';

/**
 * The multi-turn flows through botbuilder's own TestAdapter: what a client sees (the questions,
 * their options as a menu) and what the flow asks the bot to do when it ends.
 */
interface Reply {
  text: string;
  menu: { id: string; label: string }[];
}

/** A fresh conversation with the flows; `start` begins a flow with the client's first message, as the bot does. */
function conversation(now = new Date('2026-12-04T01:00:00Z') /* Fri 09:00 in Shanghai */) {
  const state = new ConversationState(new MemoryStorage());
  const accessor = state.createProperty<DialogState>('dialog');
  const dialogs = createFlowDialogs(accessor);
  const adapter = new TestAdapter(async () => undefined);
  let result: FlowResult | null = null;
  async function turn(text: string, begin?: string): Promise<Reply[]> {
    const replies: Reply[] = [];
    const activity: Partial<Activity> = { type: 'message', text, timestamp: now };
    await adapter.processActivity(activity, async (context: TurnContext) => {
      context.onSendActivities(async (_c, activities, next) => {
        for (const a of activities) {
          replies.push({ text: a.text ?? '', menu: (a.channelData as { menu?: Reply['menu'] } | undefined)?.menu ?? [] });
        }
        return next();
      });
      const dc = await dialogs.createContext(context);
      const r = begin ? await dc.beginDialog(begin, { text }) : await dc.continueDialog();
      if (r.status === DialogTurnStatus.complete) result = r.result as FlowResult;
      await state.saveChanges(context);
    });
    return replies;
  }
  return {
    start: (intent: string, text: string) => turn(text, FLOW_FOR_INTENT[intent]),
    say: (text: string) => turn(text),
    result: () => result,
  };
}

describe('choices', () => {
  const locked = [
    { value: 'yes', label: '已被锁定（提示输错次数过多）', synonyms: ['锁', '是'], mentions: ['被锁', '锁定'] },
    { value: 'no', label: '没有锁定，只是忘了', synonyms: ['没有', '忘'], mentions: ['没被锁', '没有锁定'] },
  ];

  it('a tapped button (its label) picks its option even when the label holds the other option’s words', () => {
    expect(pickChoice('没有锁定，只是忘了', locked)).toBe('no');
    expect(pickChoice('已被锁定（提示输错次数过多）', locked)).toBe('yes');
    expect(pickChoice('2', locked)).toBe('no');
  });

  it('reads a mention in a sentence, not inside a longer mention of the other option', () => {
    expect(mentionedChoice('交易密码被锁了', locked)).toBe('yes');
    expect(mentionedChoice('密码没被锁，就是忘了', locked)).toBe('no');
    expect(mentionedChoice('我没有锁定的问题', locked)).toBe('no');
    expect(mentionedChoice('密码忘了', locked)).toBeNull();
  });
});

describe('password reset fills what the first message says', () => {
  it('交易密码忘了 → asks only whether it is locked, with the options as buttons', async () => {
    const c = conversation();
    const [first] = await c.start('password_reset', '交易密码忘了怎么办');
    expect(first!.text).not.toContain('哪一种密码');
    expect(first!.text).toContain('交易密码');
    expect(first!.text).toContain('是否已被锁定');
    expect(first!.menu.map((m) => m.label)).toEqual(['已被锁定（提示输错次数过多）', '没有锁定，只是忘了']);
    // Tapping the second button sends its label.
    const [done] = await c.say('没有锁定，只是忘了');
    expect(done!.text).toContain('重置交易密码');
    expect(done!.text).not.toContain('30 分钟后自动解锁');
    expect(c.result()).toEqual({ outcome: 'done' });
  });

  it('资金密码被锁了 → no question at all', async () => {
    const c = conversation();
    const [done, more] = await c.start('password_reset', '资金密码输错太多次被锁了');
    expect(more).toBeUndefined();
    expect(done!.text).toContain('重置资金密码');
    expect(done!.text).toContain('30 分钟后自动解锁');
  });

  it('密码忘了 → asks which password, with buttons; an answer naming both fills both', async () => {
    const c = conversation();
    const [ask] = await c.start('password_reset', '密码忘了');
    expect(ask!.text).toContain('哪一种密码');
    expect(ask!.menu.map((m) => m.label)).toEqual(['交易密码', '资金密码', 'App 登录/手势密码']);
    expect(new Set(ask!.menu.map((m) => m.id)).size).toBe(3);
    const [done] = await c.say('登录密码，已经被锁定了');
    expect(done!.text).toContain('忘记密码');
    expect(done!.text).toContain('30 分钟后自动解锁');
  });

  it('an answer it cannot read is asked again, with the buttons again', async () => {
    const c = conversation();
    await c.start('password_reset', '密码忘了');
    const [retry] = await c.say('不清楚');
    expect(retry!.text).toContain('1. 交易密码');
    expect(retry!.menu).toHaveLength(3);
    const [next] = await c.say('1');
    expect(next!.text).toContain('是否已被锁定');
  });
});

describe('transfer problems', () => {
  it('fills direction and symptom from the first message: money gone between the two sides goes to a person', async () => {
    const c = conversation();
    const replies = await c.start('transfer_failed', '银行转证券，银行卡扣款了证券账户没到账');
    expect(replies).toEqual([]);
    expect(c.result()).toMatchObject({ outcome: 'escalate', reason: 'high_risk_intent:transfer_funds_in_transit' });
    expect((c.result() as { summary: string }).summary).toContain('转入');
  });

  it('asks the direction with buttons when the message does not say it', async () => {
    const c = conversation();
    const [ask] = await c.start('transfer_failed', '银证转账一直提示失败');
    expect(ask!.text).toContain('哪个方向');
    expect(ask!.menu.map((m) => m.label)).toEqual(['银行转入证券（转入）', '证券转出到银行（转出）']);
    const [done] = await c.say('证券转出到银行（转出）');
    expect(done!.text).toContain('常见原因');
  });
});

describe('margin eligibility', () => {
  it('reads assets and experience said in numbers', () => {
    expect(assetsFromText('我账户资产大概80万')).toBe('yes');
    expect(assetsFromText('资金只有30万')).toBe('no');
    expect(assetsFromText('想开两融')).toBeNull();
    expect(experienceFromText('炒股两年了')).toBe('yes');
    expect(experienceFromText('股龄3个月')).toBe('no');
    expect(experienceFromText('刚开户')).toBe('no');
  });

  it('asks only what the first message leaves open', async () => {
    const c = conversation();
    const [ask] = await c.start('margin_account', '我炒股三年了，想开通两融');
    expect(ask!.text).toContain('50 万元');
    expect(ask!.text).not.toContain('6 个月');
    expect(ask!.menu.map((m) => m.label)).toEqual(['是', '否']);
    const [done] = await c.say('1');
    expect(done!.text).toContain('初步满足');
  });
});

describe('appointments within the branch’s opening hours', () => {
  it('refuses a Saturday and offers the nearest open times as buttons; a tap books one', async () => {
    const c = conversation();
    const [askTime] = await c.start('appointment', '我想预约客户经理聊聊两融');
    expect(askTime!.text).toContain('您方便的时间');
    expect(askTime!.text).not.toContain('咨询的事项');
    // Friday 09:00 in Shanghai: 明天 is Saturday 12月5日.
    const [refused] = await c.say('明天上午10点');
    expect(refused!.text).toContain('12月5日（周六）10:00营业部不营业');
    expect(refused!.menu.map((m) => m.label)).toEqual(['12月4日（周五）10:00', '12月7日（周一）10:00', '12月8日（周二）10:00']);
    expect(c.result()).toBeNull();
    const [booked] = await c.say('12月7日（周一）10:00');
    expect(booked!.text).toContain('时间：12月7日（周一）10:00');
    expect(c.result()).toEqual({ outcome: 'appointment', topic: '融资融券', preferredTime: '12月7日（周一）10:00', contact: '' });
  });

  it('an evening time is outside the hours; typing the number of an offered time books it', async () => {
    const c = conversation();
    await c.start('appointment', '我想预约客户经理见面');
    await c.say('账户问题');
    const [refused] = await c.say('周二晚上8点');
    expect(refused!.text).toContain('不在营业部营业时间内');
    expect(refused!.menu.length).toBeGreaterThan(0);
    const first = refused!.menu[0]!.label;
    await c.say('1');
    expect(c.result()).toMatchObject({ outcome: 'appointment', topic: '账户问题', preferredTime: first });
  });

  it('a time in the first message that is open is taken as said', async () => {
    const c = conversation();
    const [askTopic] = await c.start('appointment', '下周一下午三点约客户经理见面');
    expect(askTopic!.text).toContain('咨询的事项');
    const [booked] = await c.say('资产配置');
    expect(booked!.text).toContain('12月7日（周一）15:00');
  });

  it('reads topics named in the first message', () => {
    expect(topicFromText('想约客户经理聊聊融资融券')).toBe('融资融券');
    expect(topicFromText('我想预约客户经理见面')).toBeNull();
  });
});
