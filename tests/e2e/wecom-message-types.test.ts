import { settled, startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/**
 * Every kf msgtype is stored with readable text (a Chinese placeholder for non-text) and the raw
 * item in meta. Runs without the bot role, so what the channel stored is what we read back (the
 * bot's turn records its own decision in the message's meta).
 */
describe('WeCom kf message types', () => {
  let t: WecomTestSystem;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    t = await startWecomSystem({ env: { ROLES: 'gateway,outbound' } });
  });
  afterAll(async () => {
    await t.stop();
  });

  // Stored, then annotated with what the channel knows (two writes, both before it is queued).
  const stored = (msgid: string) =>
    waitFor(
      () => t.sys.services.db.Message.findOne({ channel: 'wecom', channelMessageId: msgid, meta: { $ne: null } }).lean(),
      `message ${msgid}`,
    );

  it('keeps a menu click as the clicked text, with its menu_id in the meta, for the bot', async () => {
    const user = 'wmTypes000000000000000000000menu';
    const click = await t.sim.simulateClientMessage({ externalUserId: user, text: '如何开通创业板？', menuId: 'kb_gem_open' });
    const message = await stored(click.message.msgid);
    expect(message).toMatchObject({ text: '如何开通创业板？', status: 'received' });
    expect(message.meta).toMatchObject({
      channel: { kind: 'wecom', msgtype: 'text', menuId: 'kb_gem_open', item: { text: { menu_id: 'kb_gem_open' } } },
    });
    // Text goes to the bot: queued for it (a moment after its meta is written).
    const job = await waitFor(() => t.sys.services.queues.inbound.getJob(`wecom.${click.message.msgid}`), 'its bot job');
    expect(job.data).toMatchObject({ channelMessageId: click.message.msgid, text: '如何开通创业板？' });
  });

  it('stores non-text messages as readable placeholders with the raw item, and tells the client the bot reads text', async () => {
    const user = 'wmTypes0000000000000000000nontext';
    const cases: { msgtype: string; payload?: Record<string, unknown>; text: string }[] = [
      { msgtype: 'image', text: '[图片]' },
      { msgtype: 'voice', text: '[语音]' },
      { msgtype: 'video', text: '[视频]' },
      { msgtype: 'file', text: '[文件]' },
      {
        msgtype: 'location',
        payload: { latitude: 31.2, longitude: 121.5, name: '陆家嘴', address: '上海市浦东新区' },
        text: '[位置] 陆家嘴 上海市浦东新区',
      },
      {
        msgtype: 'link',
        payload: { title: '行情', desc: '', url: 'https://example.com/q', pic_url: '' },
        text: '[链接] 行情 https://example.com/q',
      },
      { msgtype: 'business_card', payload: { userid: 'zhangsan' }, text: '[名片]' },
      {
        msgtype: 'miniprogram',
        payload: { title: '开户', appid: 'wx0000', pagepath: 'pages/open', thumb_media_id: 'm' },
        text: '[小程序卡片] 开户',
      },
    ];
    for (const c of cases) {
      const sent = await t.sim.simulateClientMessage({
        externalUserId: user,
        msgtype: c.msgtype,
        ...(c.payload ? { payload: c.payload } : {}),
      });
      const message = await stored(sent.message.msgid);
      expect(message).toMatchObject({ text: c.text, status: 'handled', meta: { channel: { msgtype: c.msgtype } } });
      expect((message.meta as { channel: { item: { msgtype: string } } }).channel.item.msgtype).toBe(c.msgtype);
      // The bot never sees it (it cannot read it): no inbound job.
      expect(await t.sys.services.queues.inbound.getJob(`wecom.${sent.message.msgid}`)).toBeFalsy();
    }
    await settled(t.sys);
    const replies = t.sim.sent.filter((s) => s.touser === user).map((s) => (s.body.text as { content: string }).content);
    expect(replies).toHaveLength(cases.length);
    expect(replies.filter((r) => r.includes('只能阅读文字'))).toHaveLength(cases.length - 1);
    expect(replies.filter((r) => r.includes('语音'))).toHaveLength(1);
    expect(replies.every((r) => r.includes('转人工'))).toBe(true);
  });
});
