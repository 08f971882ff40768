/**
 * Sarcasm: praise used to complain (真是好棒的服务, 效率真高啊 …, 呵呵 … 所谓的专业). A message
 * is read as sarcastic when it contains an irony marker AND negative context (a negative
 * lexicon hit or a complaint fact such as 等了/又/每天/浪费/闪退). Its positive evidence then
 * counts as anger. Plain praise (真是帮了大忙) has no negative context and is left alone.
 */
const IRONY =
  /呵呵|真是|可真|真够|没谁了|真行|真有你们的|厉害了|佩服|服了|好棒[的哦啊呀]|真棒|[真好太]好[啊呀哦]|所谓的|谢谢啊|谢谢你们了|谢谢你们啊|谢谢你啊|我谢谢你|真是谢谢|会谢|效率真高|绝了|“[^”]{1,8}”|"[^"]{1,8}"/;
const COMPLAINT_FACT =
  /等了|要等|等到|半天|又[被是要没]|又一次|每天|天天|总是|老是|几次|浪费|等于没|没人|都没|还没|闪退|崩|卡|踢皮球|三天两头|推三阻四|不给|不理|准时[^开]/;

export interface SarcasmInput {
  text: string;
  positive: number;
  negative: number;
}

/** The irony marker found, or null when the message is not sarcastic. */
export function detectSarcasm({ text, positive, negative }: SarcasmInput): string | null {
  if (positive <= 0) return null;
  const marker = IRONY.exec(text);
  if (!marker) return null;
  if (negative <= 0 && !COMPLAINT_FACT.test(text)) return null;
  return marker[0];
}
