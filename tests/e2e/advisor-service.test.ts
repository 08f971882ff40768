import { randomBytes } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { MiniProgramSimulator } from '@brokerbot/channels/src/simulators';
import { newEncodingAESKey } from '@brokerbot/channels/src/simulators/demo';
import { clientToken, connect, emitAck, loginAdvisor, nextEvent } from '../support/test-system';
import { settled, startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/*
 * The advisor's service features end to end, against one real system serving the trading app,
 * WeCom 微信客服 (loopback simulator) and the mini-program (loopback simulator): canned replies,
 * the compliance check on advisors' text, internal notes, wrap-up and the unanswered-client
 * warning, the satisfaction survey, the client panel, and suggestions that fit the client's state.
 */

type Ack = { ok: boolean; error?: string; message?: string; [k: string]: any };
type Wire = { id: string; from: string; text: string; kind?: string; conversationId: string };
const content = (body: Record<string, unknown>) => (body.text as { content: string } | undefined)?.content ?? '';

let t: WecomTestSystem;
let mp: MiniProgramSimulator;
let wang: Socket;
let zhao: Socket;
let n = 0;
const sockets: Socket[] = [];
const track = <S extends Socket>(s: S): S => {
  sockets.push(s);
  return s;
};

async function consoleOf(username: string): Promise<Socket> {
  return track(await connect(t.sys.url, '/advisor', { token: (await loginAdvisor(t.sys.url, username)).token }));
}

async function appClient(customerId: string): Promise<Socket> {
  return track(await connect(t.sys.url, '/client', { token: clientToken(t.sys.config, customerId, 'SH01') }));
}

/** wang.fang takes the chat of the client whose escalation `escalate` causes. */
async function takeChat(customerId: string, escalate: () => Promise<unknown>): Promise<string> {
  const offer = nextEvent<{ handoffId: string; customer: { id: string } | null }>(
    wang,
    'offer',
    (o) => o.customer?.id === customerId,
    20_000,
  );
  await escalate();
  const accepted = await emitAck<Ack>(wang, 'chat:accept', { handoffId: (await offer).handoffId });
  expect(accepted.ok).toBe(true);
  return accepted.chat.conversationId as string;
}

async function appChat(customerId: string, text = '我要转人工'): Promise<{ client: Socket; conversationId: string }> {
  const client = await appClient(customerId);
  const conversationId = await takeChat(customerId, () => emitAck(client, 'message', { clientMessageId: `c${n++}`, text }));
  return { client, conversationId };
}

async function advisorSays(conversationId: string, text: string): Promise<Ack> {
  return emitAck<Ack>(wang, 'chat:send', { conversationId, clientMessageId: `r${n++}`, text });
}

async function clientSays(client: Socket, text: string): Promise<void> {
  const relayed = nextEvent<Wire>(wang, 'chat:message', (m) => m.from === 'client' && m.text === text);
  await emitAck(client, 'message', { clientMessageId: `c${n++}`, text });
  await relayed;
}

beforeAll(async () => {
  // One system for every channel: the mini-program simulator first (the system reads its address).
  const mpCreds = {
    appId: `wx${randomBytes(8).toString('hex')}`,
    secret: randomBytes(16).toString('hex'),
    token: randomBytes(8).toString('hex'),
  };
  mp = await MiniProgramSimulator.start({
    appId: mpCreds.appId,
    appSecret: mpCreds.secret,
    push: { token: mpCreds.token, encodingAESKey: newEncodingAESKey(), mode: 'plain', format: 'json' },
  });
  t = await startWecomSystem({
    env: {
      MINIPROGRAM_APPID: mpCreds.appId,
      MINIPROGRAM_SECRET: mpCreds.secret,
      MINIPROGRAM_TOKEN: mpCreds.token,
      MINIPROGRAM_API_BASE: mp.url,
      // Offers go to any advisor of the branch at once (only wang.fang of SH01 is online here).
      ROUTING_BRANCH_WAIT_S: '0',
    },
  });
  mp.setPushUrl(`${t.sys.url}/channels/miniprogram/callback`);
  wang = await consoleOf('wang.fang');
  zhao = await consoleOf('zhao.lei');
}, 90_000);

afterAll(async () => {
  sockets.forEach((s) => s.disconnect());
  await t?.stop();
  await mp?.stop();
});

jest.setTimeout(90_000);

describe('canned replies (快捷回复)', () => {
  it('lets advisors list global and their branch’s replies, and supervisors manage them through the compliance check', async () => {
    const listed = await emitAck<Ack>(wang, 'canned:list', {});
    const keywords = listed.items.map((i: { keyword: string }) => i.keyword);
    expect(keywords).toEqual(expect.arrayContaining(['问候', '安抚', '两融']));
    expect(keywords).not.toContain('港股通'); // SZ01's
    expect(listed.items.find((i: { keyword: string }) => i.keyword === '问候')).toMatchObject({
      scope: 'global',
      text: expect.stringContaining('{客户称呼}'),
    });
    expect(listed.items.find((i: { keyword: string }) => i.keyword === '问候').text).toContain('{顾问姓名}');

    // Advisors only list.
    expect(await emitAck(wang, 'canned:save', { keyword: '自荐', text: '您好', scope: 'branch' })).toMatchObject({
      ok: false,
      error: 'forbidden',
    });

    // Every saved text passes the guardrails; the error names the rule and nothing is stored.
    const before = await t.sys.services.db.CannedReply.countDocuments();
    const refused = await emitAck<Ack>(zhao, 'canned:save', {
      keyword: '理财',
      text: '这款产品保本保收益，放心买',
      scope: 'global',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: 'compliance_violation',
      rules: [{ id: 'promise:returns', label: '承诺收益' }],
    });
    expect(refused.message).toContain('承诺收益');
    expect(await emitAck(zhao, 'canned:save', { keyword: '称呼', text: '{客户姓名}您好', scope: 'global' })).toMatchObject({
      ok: false,
      error: 'unknown_variable',
    });
    expect(await t.sys.services.db.CannedReply.countDocuments()).toBe(before);

    // A branch reply reaches that branch only; it can be changed, searched and deleted.
    const saved = await emitAck<Ack>(zhao, 'canned:save', {
      keyword: '开户材料',
      text: '{客户称呼}，开户请准备本人身份证和银行卡。',
      scope: 'branch',
      branchId: 'SZ01',
    });
    expect(saved).toMatchObject({ ok: true, item: { keyword: '开户材料', scope: 'branch', branchId: 'SZ01' } });
    const zhang = await consoleOf('zhang.min');
    expect((await emitAck<Ack>(zhang, 'canned:list', { q: '身份证' })).items).toEqual([
      expect.objectContaining({ id: saved.item.id, keyword: '开户材料' }),
    ]);
    expect((await emitAck<Ack>(wang, 'canned:list', { q: '身份证' })).items).toEqual([]);
    expect(
      await emitAck(zhao, 'canned:save', { keyword: '开户材料', text: '请准备身份证', scope: 'branch', branchId: 'SZ01' }),
    ).toMatchObject({
      ok: false,
      error: 'keyword_taken',
    });
    const edited = await emitAck<Ack>(zhao, 'canned:save', {
      id: saved.item.id,
      keyword: '开户材料',
      text: '{客户称呼}，开户请准备本人二代身份证和本人银行卡。',
      scope: 'branch',
      branchId: 'SZ01',
    });
    expect(edited.item.text).toContain('二代身份证');
    expect(await emitAck(wang, 'canned:delete', { id: saved.item.id })).toMatchObject({ ok: false, error: 'forbidden' });
    expect(await emitAck(zhao, 'canned:delete', { id: saved.item.id })).toMatchObject({ ok: true });
    expect((await emitAck<Ack>(zhang, 'canned:list', { q: '身份证' })).items).toEqual([]);
    expect(await emitAck(zhao, 'canned:delete', { id: saved.item.id })).toMatchObject({ ok: false, error: 'not_found' });
  });
});

describe('the trading app', () => {
  it('warns before an advisor sends a non-compliant text, sends it on confirmation and records the override for review', async () => {
    const { client, conversationId } = await appChat('C1002');
    const risky = '这只股票稳赚不赔，建议您买入';
    const warned = await advisorSays(conversationId, risky);
    expect(warned).toMatchObject({ ok: false, error: 'compliance_warning' });
    expect(warned.rules.map((r: { label: string }) => r.label).sort()).toEqual(['个股推荐', '承诺收益'].sort());
    expect(await t.sys.services.db.Message.countDocuments({ conversationId, text: risky })).toBe(0);

    const arrives = nextEvent<Wire>(client, 'message', (m) => m.from === 'advisor');
    const confirmed = await emitAck<Ack>(wang, 'chat:send', {
      conversationId,
      clientMessageId: 'risky1',
      text: risky,
      confirm: true,
    });
    expect(confirmed).toMatchObject({ ok: true, message: { text: risky } });
    expect((await arrives).text).toBe(risky);

    const review = await emitAck<Ack>(zhao, 'transcripts:open', { conversationId });
    expect(review.transcript.complianceOverrides).toEqual([
      expect.objectContaining({
        text: risky,
        advisorName: '王芳',
        rules: expect.arrayContaining([{ id: 'promise:returns', label: '承诺收益' }]),
      }),
    ]);
    await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '风险提示' }, confirm: true });
  });

  it('keeps internal notes from the client, shows them to the advisor and supervisors, and stores each once', async () => {
    const { client, conversationId } = await appChat('C1006');
    expect(await emitAck(zhao, 'chat:watch', { conversationId })).toMatchObject({ ok: true });
    const heard: string[] = [];
    client.on('message', (m: Wire) => heard.push(m.text));
    const supervisorSees = nextEvent<Wire>(zhao, 'chat:message', (m) => m.kind === 'note');
    const advisorSees = nextEvent<Wire>(wang, 'chat:message', (m) => m.kind === 'note');
    const text = '客户上周已投诉过一次，注意语气 <img src=x onerror=alert(1)>';
    const first = await emitAck<Ack>(wang, 'chat:note', { conversationId, clientMessageId: 'note1', text });
    expect(first).toMatchObject({ ok: true, note: { kind: 'note', text, authorName: '王芳', conversationId } });
    expect(await supervisorSees).toMatchObject({ id: first.note.id, text });
    expect(await advisorSees).toMatchObject({ id: first.note.id });
    // The same note resent is the same note.
    const again = await emitAck<Ack>(wang, 'chat:note', { conversationId, clientMessageId: 'note1', text });
    expect(again.note.id).toBe(first.note.id);
    expect(await t.sys.services.db.ConversationNote.countDocuments({ conversationId })).toBe(1);

    // The client sees a reply sent after the note, and never the note: not live, not in history, not stored as a message.
    const reply = nextEvent<Wire>(client, 'message', (m) => m.from === 'advisor');
    await advisorSays(conversationId, '您好，我来帮您处理。');
    await reply;
    await settled(t.sys);
    expect(heard).not.toContain(text);
    const fresh = track(await connect(t.sys.url, '/client', { token: clientToken(t.sys.config, 'C1006', 'SH01') }));
    const history = await nextEvent<{ messages: Wire[] }>(fresh, 'history');
    expect(history.messages.map((m) => m.text)).not.toContain(text);
    expect(await t.sys.services.db.Message.countDocuments({ text })).toBe(0);

    // Advisors reopening the chat and the review read it.
    expect((await emitAck<Ack>(wang, 'chat:notes', { conversationId })).notes).toEqual([expect.objectContaining({ text })]);
    const zhang = await consoleOf('zhang.min');
    expect(await emitAck(zhang, 'chat:note', { conversationId, clientMessageId: 'x1', text: '我也来' })).toMatchObject({
      ok: false,
      error: 'not_owner',
    });
    expect(await emitAck(wang, 'chat:note', { conversationId, clientMessageId: 'x2', text: '   ' })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
    const review = await emitAck<Ack>(zhao, 'transcripts:open', { conversationId });
    expect(review.transcript.notes).toEqual([expect.objectContaining({ text, authorName: '王芳' })]);
    await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' } });
  });

  it('closes only with a wrap-up, warns when the client waits for a reply, then asks the client to rate the chat once', async () => {
    const ready = await nextEvent<{ wrapUpCategories: string[] }>(await consoleOf('wang.fang'), 'ready');
    expect(ready.wrapUpCategories).toEqual(['咨询解答', '业务办理', '投诉处理', '风险提示', '其他']);

    const { client, conversationId } = await appChat('C1003');
    await advisorSays(conversationId, '您好，我是王芳。');
    await clientSays(client, '那我的钱什么时候能到账？');

    expect(await emitAck(wang, 'chat:close', { conversationId })).toMatchObject({ ok: false, error: 'wrap_up_required' });
    expect(await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '随便聊聊' } })).toMatchObject({
      ok: false,
      error: 'wrap_up_required',
    });
    const warned = await emitAck<Ack>(wang, 'chat:close', { conversationId, wrapUp: { category: '业务办理', note: '转账在途' } });
    expect(warned).toMatchObject({
      ok: false,
      error: 'client_unanswered',
      lastClientMessage: { text: '那我的钱什么时候能到账？' },
    });
    expect(await t.sys.services.db.Conversation.findById(conversationId).lean()).toMatchObject({ state: 'human' });

    // Answered, the chat closes without a warning; the client is asked to rate it.
    await advisorSays(conversationId, '预计今天 17 点前到账，到账后短信通知您。');
    const survey = nextEvent<{
      surveyId: string;
      conversationId: string;
      question: string;
      options: { score: number; label: string }[];
    }>(client, 'survey');
    expect(
      await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '业务办理', note: '转账在途' } }),
    ).toMatchObject({
      ok: true,
    });
    const asked = await survey;
    expect(asked).toMatchObject({ conversationId, question: expect.stringContaining('打分') });
    expect(asked.options.map((o) => o.score)).toEqual([5, 4, 3, 2, 1]);

    // Another screen of the client, opened while the survey waits, shows it too.
    const tab = track(await connect(t.sys.url, '/client', { token: clientToken(t.sys.config, 'C1003', 'SH01') }));
    expect(await nextEvent(tab, 'survey')).toMatchObject({ surveyId: asked.surveyId });

    expect(await emitAck(client, 'survey:answer', { surveyId: asked.surveyId, score: 6 })).toMatchObject({
      ok: false,
      error: 'invalid_request',
    });
    expect(
      await emitAck(client, 'survey:answer', { surveyId: asked.surveyId, score: 4, comment: '到账时间说得很清楚' }),
    ).toMatchObject({
      ok: true,
    });
    expect(await emitAck(tab, 'survey:answer', { surveyId: asked.surveyId, score: 1 })).toMatchObject({
      ok: false,
      error: 'already_answered',
    });
    // Another client cannot answer it.
    const stranger = await appClient('C1001');
    expect(await emitAck(stranger, 'survey:answer', { surveyId: asked.surveyId, score: 1 })).toMatchObject({
      ok: false,
      error: 'survey_not_found',
    });

    // Review shows the wrap-up and the rating.
    const review = await emitAck<Ack>(zhao, 'transcripts:open', { conversationId });
    expect(review.transcript.handoffs.at(-1)).toMatchObject({
      wrapUp: { category: '业务办理', note: '转账在途' },
      satisfaction: { score: 4, comment: '到账时间说得很清楚' },
    });

    // The client panel lists the chat with its wrap-up and rating; another branch may not open it.
    const panel = await emitAck<Ack>(wang, 'chat:client', { conversationId });
    expect(panel).toMatchObject({
      ok: true,
      client: { name: '周建国', tier: 'vip', branchName: '上海陆家嘴营业部', phoneMasked: '138****1003' },
    });
    expect(panel.client.past[0]).toMatchObject({
      conversationId,
      advisorName: '王芳',
      wrapUp: { category: '业务办理', note: '转账在途' },
      satisfaction: { score: 4, status: 'answered' },
    });
    const zhang = await consoleOf('zhang.min');
    expect(await emitAck(zhang, 'chat:client', { conversationId })).toMatchObject({ ok: false, error: 'not_visible' });
  });

  it('stops taking answers once the survey expired', async () => {
    const { client, conversationId } = await appChat('C1002', '转人工，我想问问分红');
    await advisorSays(conversationId, '分红到账时间以公司公告为准，我帮您查一下。');
    const survey = nextEvent<{ surveyId: string }>(client, 'survey');
    expect(await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' } })).toMatchObject({ ok: true });
    const { surveyId } = await survey;
    await t.sys.services.db.Survey.updateOne({ _id: surveyId }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await emitAck(client, 'survey:answer', { surveyId, score: 5 })).toMatchObject({ ok: false, error: 'survey_expired' });
    // A screen connecting now is not asked: the connection's survey check runs before its first message is acknowledged.
    const tab = track(await connect(t.sys.url, '/client', { token: clientToken(t.sys.config, 'C1002', 'SH01') }));
    const asked = jest.fn();
    tab.on('survey', asked);
    await emitAck(tab, 'message', { clientMessageId: `c${n++}`, text: '谢谢' });
    expect(asked).not.toHaveBeenCalled();
    expect(await t.sys.services.db.SurveyAnswer.countDocuments({ surveyId })).toBe(0);
  });

  it('suggests replies that acknowledge a desperate client first, then give the next step', async () => {
    const { conversationId } = await appChat('C1004', '两融要被强平了，血本无归');
    const res = await emitAck<Ack>(wang, 'chat:assist', { conversationId, kind: 'replies' });
    expect(res).toMatchObject({ ok: true, source: 'rules' });
    expect(res.replies.length).toBeGreaterThan(0);
    expect(res.replies[0]).toMatch(/^(非常理解|理解您)/);
    expect(res.replies[0]).toMatch(/担保比例|追加|还款/);
    for (const r of res.replies as string[]) expect(r).not.toMatch(/由投资者(自行)?承担|风险自担|后果自负/);
    await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '风险提示' }, confirm: true });
  });
});

describe('WeCom 微信客服', () => {
  it('never sends a note to the client, and takes the client’s tap on the survey menu as the answer', async () => {
    const user = 'wmService000000000000000000000001';
    await t.sys.services.db.Customer.updateOne(
      { _id: 'C1005' },
      { $push: { identities: { channel: 'wecom', externalId: user } } },
    );
    const sentTo = () => t.sim.sent.filter((s) => s.touser === user);
    const conversationId = await takeChat('C1005', () =>
      t.sim.simulateClientMessage({ externalUserId: user, text: '我要转人工' }),
    );

    const note = '客户是老客户，资金量大，注意合规话术';
    expect(await emitAck(wang, 'chat:note', { conversationId, clientMessageId: 'wn1', text: note })).toMatchObject({ ok: true });
    await advisorSays(conversationId, '您好，我是您的顾问王芳。');
    await waitFor(() => sentTo().some((s) => content(s.body).includes('王芳。')), "the advisor's reply");
    expect(await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '咨询解答' } })).toMatchObject({ ok: true });

    // The survey arrives as a msgmenu of five options.
    const menu = await waitFor(() => sentTo().find((s) => s.msgtype === 'msgmenu'), 'the survey menu');
    const items = (menu.body.msgmenu as { head_content: string; list: { click: { id: string; content: string } }[] }).list;
    expect(items.map((i) => i.click.id)).toEqual(['survey_5', 'survey_4', 'survey_3', 'survey_2', 'survey_1']);
    expect((menu.body.msgmenu as { head_content: string }).head_content).toContain('打分');

    // The tap is the answer: stored once, thanked, not answered by the bot.
    await t.sim.simulateClientMessage({ externalUserId: user, text: items[0]!.click.content, menuId: 'survey_5' });
    await waitFor(() => sentTo().some((s) => content(s.body).includes('感谢您的评价')), 'the thanks');
    await settled(t.sys);
    const answers = await t.sys.services.db.SurveyAnswer.find({ conversationId }).lean();
    expect(answers).toEqual([expect.objectContaining({ score: 5 })]);
    const tapped = await t.sys.services.db.Message.findOne({
      conversationId,
      direction: 'in',
      text: items[0]!.click.content,
    }).lean();
    expect(tapped).toMatchObject({ status: 'handled', meta: { survey: { surveyId: answers[0]!.surveyId } } });
    expect(
      await t.sys.services.db.Message.countDocuments({ conversationId, 'author.kind': 'bot', seq: { $gt: tapped!.seq } }),
    ).toBe(0);

    // The note never reached WeCom nor the outgoing messages.
    expect(
      sentTo()
        .map((s) => JSON.stringify(s.body))
        .join('\n'),
    ).not.toContain(note);
    expect(await t.sys.services.db.Message.countDocuments({ text: note })).toBe(0);

    // Once answered, a number is an ordinary question for the bot again.
    await t.sim.simulateClientMessage({ externalUserId: user, text: '5' });
    await settled(t.sys);
    const five = await t.sys.services.db.Message.findOne({ conversationId, direction: 'in', text: '5' }).lean();
    expect(five!.meta).not.toHaveProperty('survey');
    expect(await t.sys.services.db.SurveyAnswer.countDocuments({ conversationId })).toBe(1);
  });
});

describe('mini-program', () => {
  it('never sends a note to the client, lists the survey by number and takes the numbered reply as the answer', async () => {
    const openId = 'oService00000000000000000000001';
    await t.sys.services.db.Customer.updateOne(
      { _id: 'C1001' },
      { $push: { identities: { channel: 'miniprogram', externalId: openId } } },
    );
    const sentTo = () => mp.sent.filter((s) => s.touser === openId);
    const conversationId = await takeChat('C1001', () => mp.simulateClientMessage({ openId, text: '我要转人工' }));

    const note = '小程序客户，需核实身份后再办理';
    expect(await emitAck(wang, 'chat:note', { conversationId, clientMessageId: 'mn1', text: note })).toMatchObject({ ok: true });
    // The client's question stays unanswered: closing is confirmed.
    expect(await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '其他' } })).toMatchObject({
      error: 'client_unanswered',
    });
    expect(await emitAck(wang, 'chat:close', { conversationId, wrapUp: { category: '其他' }, confirm: true })).toMatchObject({
      ok: true,
    });

    const survey = await waitFor(() => sentTo().find((s) => content(s.body).includes('打分')), 'the survey');
    expect(content(survey.body)).toContain('5. 非常满意');
    expect(content(survey.body)).toContain('1. 非常不满意');

    await mp.simulateClientMessage({ openId, text: '2 等得太久了' });
    await waitFor(() => sentTo().some((s) => content(s.body).includes('感谢您的评价')), 'the thanks');
    await settled(t.sys);
    expect(await t.sys.services.db.SurveyAnswer.find({ conversationId }).lean()).toEqual([
      expect.objectContaining({ score: 2, comment: '等得太久了' }),
    ]);
    const answer = await t.sys.services.db.Message.findOne({ conversationId, direction: 'in', text: '2 等得太久了' }).lean();
    expect(answer).toMatchObject({ status: 'handled' });
    expect(
      await t.sys.services.db.Message.countDocuments({ conversationId, 'author.kind': 'bot', seq: { $gt: answer!.seq } }),
    ).toBe(0);

    expect(
      sentTo()
        .map((s) => JSON.stringify(s.body))
        .join('\n'),
    ).not.toContain(note);
    expect(await t.sys.services.db.Message.countDocuments({ text: note })).toBe(0);
    // Review and the panel show the rating.
    const panel = await emitAck<Ack>(wang, 'chat:client', { conversationId });
    expect(panel.client.past.find((p: { conversationId: string }) => p.conversationId === conversationId)).toMatchObject({
      channel: 'miniprogram',
      wrapUp: { category: '其他' },
      satisfaction: { score: 2, comment: '等得太久了' },
    });
  });
});
