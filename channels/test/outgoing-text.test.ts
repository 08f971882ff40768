import { MAX_TEXT_BYTES, menuHead, menuOf, mergeParts, pieceId, splitText } from '../src/tencent/outgoing-text';

describe('outgoing text', () => {
  it('leaves text within 2,048 bytes alone and splits longer text at natural breaks, never inside a character', () => {
    expect(splitText('短消息')).toEqual(['短消息']);
    const sentence = '这是一句完整的中文句子。'; // 12 characters, 36 bytes
    const long = sentence.repeat(200); // 7,200 bytes
    const parts = splitText(long);
    expect(parts.length).toBe(4);
    for (const p of parts) {
      expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_TEXT_BYTES);
      expect(p.endsWith('。')).toBe(true);
    }
    expect(parts.join('')).toBe(long);
    // No break anywhere: cut at the byte limit on a character boundary.
    const solid = '字'.repeat(1000);
    expect(splitText(solid).map((p) => Buffer.byteLength(p))).toEqual([2046, 954]);
  });

  it('merges the parts of one answer and derives valid WeCom msgids for split pieces', () => {
    expect(mergeParts([' 第一段 ', '', '第二段'])).toBe('第一段\n\n第二段');
    expect(pieceId('rabc_0', 0)).toBe('rabc_0');
    expect(pieceId('a'.repeat(32), 1)).toMatch(/^p[0-9a-f]{31}$/);
    expect(pieceId('a'.repeat(32), 1)).not.toBe(pieceId('a'.repeat(32), 2));
  });

  it('reads the bot menu and strips its numbered lines for a msgmenu', () => {
    const meta = {
      menu: [
        { id: 'kb_a', label: '如何开户？' },
        { id: '', label: 'x' },
        { id: 'kb_b', label: '佣金多少？' },
      ],
    };
    expect(menuOf(meta)).toEqual([
      { id: 'kb_a', label: '如何开户？' },
      { id: 'kb_b', label: '佣金多少？' },
    ]);
    expect(menuOf(null)).toEqual([]);
    expect(menuHead('您想问的是以下哪个问题？\n1. 如何开户？\n2. 佣金多少？\n（回复序号即可）')).toBe('您想问的是以下哪个问题？');
    expect(menuHead('1. 如何开户？')).toBeNull();
  });
});
