import type { DemoSimulators } from '../simulators';

export type SimChannel = 'wecom' | 'miniprogram';

/** One line of what the simulated client sees in their chat. */
export interface SimLine {
  from: 'client' | 'service';
  text: string;
  at: number;
  /** A msgmenu's clickable items (WeCom). */
  menu?: { id: string; label: string }[];
}

export interface SimTranscript {
  lines: SimLine[];
  /** The mini-program shows "对方正在输入…" (a Typing call in the last 15 s, not yet followed by a message). */
  typing: boolean;
}

const TYPING_SHOWS_MS = 15_000;
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const MEDIA_LABEL: Record<string, string> = {
  image: '[图片]',
  file: '[文件]',
  voice: '[语音]',
  video: '[视频]',
  miniprogrampage: '[小程序卡片]',
};

/** The client's side of the chat, read from the simulator's logs: what they sent, and what came back. */
export function clientTranscript(sims: DemoSimulators, channel: SimChannel, user: string): SimTranscript {
  const lines: SimLine[] = [];
  let typing = false;
  if (channel === 'wecom') {
    for (const m of sims.kf.log.all()) {
      if (m.origin === 3 && m.external_userid === user) {
        lines.push({
          from: 'client',
          text: m.msgtype === 'text' ? text(obj(m.text).content) : (MEDIA_LABEL[m.msgtype] ?? `[${m.msgtype}]`),
          at: m.send_time * 1000,
        });
      }
    }
    for (const s of sims.kf.sent) {
      if (s.touser !== user) continue;
      if (s.msgtype === 'msgmenu') {
        const menu = obj(s.body.msgmenu);
        const items = (Array.isArray(menu.list) ? menu.list : [])
          .map((i) => obj(obj(i).click))
          .filter((c) => text(c.id) && text(c.content));
        lines.push({
          from: 'service',
          text: [text(menu.head_content), text(menu.tail_content)].filter(Boolean).join('\n'),
          at: s.at,
          menu: items.map((c) => ({ id: text(c.id), label: text(c.content) })),
        });
      } else {
        lines.push({ from: 'service', text: s.msgtype === 'text' ? text(obj(s.body.text).content) : `[${s.msgtype}]`, at: s.at });
      }
    }
  } else {
    for (const p of sims.miniprogram.pushes) {
      if (p.fields.FromUserName !== user) continue;
      const type = String(p.fields.MsgType);
      const shown =
        type === 'text' ? String(p.fields.Content) : type === 'event' ? '（进入客服会话）' : (MEDIA_LABEL[type] ?? `[${type}]`);
      lines.push({ from: 'client', text: shown, at: Number(p.fields.CreateTime) * 1000 });
    }
    let lastSent = 0;
    for (const s of sims.miniprogram.sent) {
      if (s.touser !== user) continue;
      lines.push({ from: 'service', text: s.msgtype === 'text' ? text(obj(s.body.text).content) : `[${s.msgtype}]`, at: s.at });
      lastSent = Math.max(lastSent, s.at);
    }
    const last = sims.miniprogram.typing.filter((t) => t.touser === user).at(-1);
    typing = !!last && last.command === 'Typing' && last.at > lastSent && Date.now() - last.at < TYPING_SHOWS_MS;
  }
  // Client lines carry whole seconds (CreateTime): at equal times the client spoke first.
  lines.sort((a, b) => a.at - b.at || (a.from === 'client' ? -1 : 1));
  return { lines, typing };
}
