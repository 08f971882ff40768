import { isMediaKind, type MessageMediaRef } from '../media/media-kinds';
import type { KfItem } from './kf-api';

/** A client's kf message as we store it: readable text (a placeholder for non-text) and the channel facts. */
export interface MappedKfMessage {
  text: string;
  /** Text the bot can answer (typed or a clicked menu item); anything else the channel acknowledges itself. */
  isText: boolean;
  msgtype: string;
  /** The id of the clicked msgmenu item, when the text is a click. */
  menuId: string | null;
  /** image / voice / video / file: the media_id to download (sync_msg names no file; the download does). */
  media: MessageMediaRef | null;
}

const MAX_TEXT = 4000;

const PLACEHOLDER: Record<string, string> = {
  image: '[图片]',
  voice: '[语音]',
  video: '[视频]',
  file: '[文件]',
  business_card: '[名片]',
  channels_shop_product: '[视频号商品]',
  channels_shop_order: '[视频号订单]',
  channels: '[视频号消息]',
  note: '[笔记]',
};

function field(item: KfItem, key: string): Record<string, unknown> {
  const value = item[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function str(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function join(label: string, ...parts: string[]): string {
  return [label, ...parts.filter(Boolean)].join(' ');
}

/** Maps every msgtype of a client message (origin 3) to what the transcript shows. */
export function mapKfMessage(item: KfItem): MappedKfMessage {
  const msgtype = item.msgtype;
  const base = { msgtype, menuId: null, isText: false, media: null };
  switch (msgtype) {
    case 'text': {
      const text = field(item, 'text');
      const content = str(text.content).slice(0, MAX_TEXT);
      const menuId = str(text.menu_id) || null;
      return content ? { ...base, text: content, isText: true, menuId } : { ...base, text: '[空消息]' };
    }
    case 'location': {
      const loc = field(item, 'location');
      return { ...base, text: join('[位置]', str(loc.name), str(loc.address)) };
    }
    case 'link': {
      const link = field(item, 'link');
      return { ...base, text: join('[链接]', str(link.title), str(link.url)) };
    }
    case 'miniprogram': {
      const mp = field(item, 'miniprogram');
      return { ...base, text: join('[小程序卡片]', str(mp.title)) };
    }
    default: {
      const text = PLACEHOLDER[msgtype] ?? '[暂不支持的消息类型]';
      const mediaId = isMediaKind(msgtype) ? str(field(item, msgtype).media_id) : '';
      return { ...base, text, media: isMediaKind(msgtype) && mediaId ? { kind: msgtype, name: null, mediaId } : null };
    }
  }
}
