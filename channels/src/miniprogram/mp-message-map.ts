import type { MessageMediaRef } from '../media/media-kinds';
import { stringField, type BodyObject } from '../wecom/body';

export interface MappedMpMessage {
  text: string;
  isText: boolean;
  msgtype: string;
  /** An image's MediaId, to download with media/get (the mini-program sends images only). */
  media: MessageMediaRef | null;
}

const MAX_TEXT = 4000;

/** A mini-program customer-service message (text, image, mini-program page; anything else as a placeholder). */
export function mapMpMessage(fields: BodyObject): MappedMpMessage {
  const msgtype = stringField(fields, 'MsgType') ?? '';
  const base = { msgtype, isText: false, media: null };
  switch (msgtype) {
    case 'text': {
      const content = (stringField(fields, 'Content') ?? '').trim().slice(0, MAX_TEXT);
      return content ? { ...base, text: content, isText: true } : { ...base, text: '[空消息]' };
    }
    case 'image': {
      const mediaId = (stringField(fields, 'MediaId') ?? '').trim();
      return { ...base, text: '[图片]', media: mediaId ? { kind: 'image', name: null, mediaId } : null };
    }
    case 'miniprogrampage':
      return {
        ...base,
        text: ['[小程序卡片]', stringField(fields, 'Title') ?? '', stringField(fields, 'PagePath') ?? '']
          .filter(Boolean)
          .join(' '),
      };
    default:
      return { ...base, text: '[暂不支持的消息类型]' };
  }
}
