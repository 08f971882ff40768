import { Writable } from 'node:stream';
import { createLogger } from '../src/logger';
import { maskPII, maskPhone } from '../src/pii';

describe('maskPII', () => {
  it('masks ID-card, bank-card and mobile numbers, keeping the last four', () => {
    const text = '身份证110101199003071234，卡号6222 0212 3456 7890 123，手机13812345678，尾号X的身份证11010119900307123X';
    const masked = maskPII(text);
    expect(masked).not.toMatch(/19900307/);
    expect(masked).toContain('1101**********1234');
    expect(masked).toContain('6222 **** **** ***0 123');
    expect(masked).toContain('138****5678');
    expect(masked).toContain('1101**********123X');
  });

  it('leaves ordinary numbers alone', () => {
    expect(maskPII('我买了 1000 股，成本 12.35 元，代码 600519')).toBe('我买了 1000 股，成本 12.35 元，代码 600519');
  });

  it('masks a phone for display', () => {
    expect(maskPhone('13900002001')).toBe('139****2001');
  });
});

describe('createLogger', () => {
  it('never writes personal data, wherever it sits in the log call', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = createLogger('info', 'test', sink);
    log.info({ customer: { phone: '13812345678', notes: ['卡号 6222021234567890123'] } }, '客户说身份证是110101199003071234');
    const out = lines.join('');
    expect(out).not.toContain('13812345678');
    expect(out).not.toContain('6222021234567890123');
    expect(out).not.toContain('110101199003071234');
    expect(out).toContain('138****5678');
  });
});
