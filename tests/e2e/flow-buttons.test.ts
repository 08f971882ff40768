import { startWecomSystem, waitFor, type WecomTestSystem } from './wecom-harness';

/**
 * A flow's options reach WeCom 微信客服 clients as a msgmenu, like the clarifying menu: the client
 * taps one, WeCom sends its text back, and the flow goes on with it.
 */
describe('flow options as WeCom buttons', () => {
  let t: WecomTestSystem;
  jest.setTimeout(60_000);

  beforeAll(async () => {
    t = await startWecomSystem();
  });
  afterAll(async () => {
    await t.stop();
  });

  const sentTo = (user: string) => t.sim.sent.filter((s) => s.touser === user);
  type Menu = { head_content: string; list: { type: string; click: { id: string; content: string } }[] };

  it('sends the password flow’s questions as msgmenus; tapped options carry it to the answer', async () => {
    const user = 'wmFlowBtn000000000000000000000001';
    await t.sim.simulateClientMessage({ externalUserId: user, text: '密码忘了' });
    const [kind] = await waitFor(() => (sentTo(user).length ? sentTo(user) : null), 'the first question');
    expect(kind!.msgtype).toBe('msgmenu');
    const kinds = kind!.body.msgmenu as Menu;
    expect(kinds.head_content).toContain('请问是哪一种密码');
    expect(kinds.head_content).not.toMatch(/^\d\./m);
    expect(kinds.list.map((i) => i.click.content)).toEqual(['交易密码', '资金密码', 'App 登录/手势密码']);

    const fund = kinds.list[1]!.click;
    await t.sim.simulateClientMessage({ externalUserId: user, text: fund.content, menuId: fund.id });
    const locked = await waitFor(() => sentTo(user)[1], 'the second question');
    expect(locked.msgtype).toBe('msgmenu');
    const lockedMenu = locked.body.msgmenu as Menu;
    expect(lockedMenu.head_content).toContain('是否已被锁定');
    // "没有锁定，只是忘了" holds words of the other option (锁); tapped, it still means "not locked".
    const notLocked = lockedMenu.list.find((i) => i.click.content.startsWith('没有锁定'))!.click;
    await t.sim.simulateClientMessage({ externalUserId: user, text: notLocked.content, menuId: notLocked.id });
    const answer = await waitFor(() => sentTo(user)[2], 'the answer');
    expect(answer.msgtype).toBe('text');
    const text = (answer.body.text as { content: string }).content;
    expect(text).toContain('重置资金密码');
    expect(text).not.toContain('30 分钟后自动解锁');
  });
});
