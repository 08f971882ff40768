import { BRANCH_MEETING_HOURS as HOURS, describeRequested, judgeTime, nearestSlots, parseRequestedTime } from '../src/dialogs';

/** Friday 2026-12-04 09:00 in Shanghai. */
const FRIDAY_9 = new Date('2026-12-04T01:00:00Z');
const read = (text: string, now = FRIDAY_9) => {
  const r = parseRequestedTime(text, now, HOURS.timezone);
  return r && describeRequested(r);
};
const verdict = (text: string, now = FRIDAY_9) => {
  const v = judgeTime(parseRequestedTime(text, now, HOURS.timezone)!, HOURS, now);
  return v.ok ? 'ok' : v.problem;
};

describe('reading a meeting time said in Chinese', () => {
  it.each([
    ['明天上午10点', '12月5日（周六）10:00'],
    ['下周一上午 10 点', '12月7日（周一）10:00'],
    ['周三下午', '12月9日（周三）下午'],
    ['下午两点半', '12月4日（周五）14:30'],
    ['3点', '12月4日（周五）15:00'],
    ['十点一刻', '12月4日（周五）10:15'],
    ['12月25日 14:00', '12月25日（周五）14:00'],
    ['12月7日（周一）10:00', '12月7日（周一）10:00'],
    ['后天', '12月6日（周日）'],
    ['8点', '12月5日（周六）08:00'],
  ])('%s → %s', (text, expected) => {
    expect(read(text)).toBe(expected);
  });

  it('nothing to read in 都行 / 随便', () => {
    expect(read('都行')).toBeNull();
    expect(read('随便')).toBeNull();
  });

  it('a past month-day means next year', () => {
    expect(read('1月5日上午10点')).toBe('1月5日（周二）10:00');
  });
});

describe('judging it against the branch’s opening hours', () => {
  it.each([
    ['明天上午10点', 'closed_day'],
    ['周日下午', 'closed_day'],
    ['周二晚上8点', 'outside_hours'],
    ['周二早上7点', 'outside_hours'],
    ['周二下午4点半', 'outside_hours'],
    ['周二下午4点', 'ok'],
    ['九点半', 'too_soon'],
    ['下周一上午 10 点', 'ok'],
    ['周三下午', 'ok'],
  ])('%s: %s', (text, expected) => {
    expect(verdict(text)).toBe(expected);
  });

  it('a public holiday is closed', () => {
    const hours = { ...HOURS, closedDates: ['2026-12-07'] };
    const r = parseRequestedTime('下周一上午10点', FRIDAY_9, HOURS.timezone)!;
    expect(judgeTime(r, hours, FRIDAY_9)).toMatchObject({ ok: false, problem: 'closed_day' });
  });

  it('offers the same time on the nearest open days, in time order, skipping holidays', () => {
    const sat = parseRequestedTime('周六上午10点', FRIDAY_9, HOURS.timezone)!;
    expect(nearestSlots(sat, HOURS, FRIDAY_9).map(describeRequested)).toEqual([
      '12月4日（周五）10:00',
      '12月7日（周一）10:00',
      '12月8日（周二）10:00',
    ]);
    const hours = { ...HOURS, closedDates: ['2026-12-07'] };
    expect(nearestSlots(sat, hours, FRIDAY_9).map(describeRequested)).toEqual([
      '12月4日（周五）10:00',
      '12月8日（周二）10:00',
      '12月9日（周三）10:00',
    ]);
    // Every offered time is itself bookable.
    for (const slot of nearestSlots(sat, hours, FRIDAY_9)) expect(judgeTime(slot, hours, FRIDAY_9).ok).toBe(true);
  });

  it('an evening time is offered at the last start of the day', () => {
    const tue = parseRequestedTime('周二晚上8点', FRIDAY_9, HOURS.timezone)!;
    expect(nearestSlots(tue, HOURS, FRIDAY_9).map(describeRequested)).toContain('12月8日（周二）16:00');
  });
});

describe('a weekday already over today means next week', () => {
  it('周五上午 or 周五 on a Friday evening is next Friday; 周五下午 that morning is today', () => {
    const fridayAfternoon = new Date('2026-12-04T07:00:00Z'); // 15:00 in Shanghai
    const fridayEvening = new Date('2026-12-04T11:00:00Z'); // 19:00
    const label = (text: string, now: Date) => {
      const v = judgeTime(parseRequestedTime(text, now, HOURS.timezone)!, HOURS, now);
      return v.ok ? v.label : v.problem;
    };
    expect(label('周五上午', fridayAfternoon)).toBe('12月11日（周五）上午');
    expect(label('周五', fridayEvening)).toBe('12月11日（周五）');
    expect(label('周五下午', FRIDAY_9)).toBe('12月4日（周五）下午');
    // A date given outright is not moved: today's morning is over.
    expect(label('今天上午', fridayAfternoon)).toBe('past');
    expect(label('今天上午10点', fridayAfternoon)).toBe('past');
  });
});
