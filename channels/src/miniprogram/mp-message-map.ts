import { stringField, type BodyObject } from '../wecom/body';

export interface MappedMpMessage {
  text: string;
  isText: boolean;
  msgtype: string;
}

const MAX_TEXT = 4000;

/** A mini-program customer-service message (text, image, mini-program page; anything else as a placeholder). */
export function mapMpMessage(fields: BodyObject): MappedMpMessage {
  const msgtype = stringField(fields, 'MsgType') ?? '';
  const base = { msgtype, isText: false };
  switch (msgtype) {
    case 'text': {
      const content = (stringField(fields, 'Content') ?? '').trim().slice(0, MAX_TEXT);
      return content ? { ...base, text: content, isText: true } : { ...base, text: '[空消息]' };
    }
    case 'image':
      return { ...base, text: '[图片]' };
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
