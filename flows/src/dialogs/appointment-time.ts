import { isOpen } from '../policy/business-hours';
import type { EscalationPolicy } from '../policy/schema';

/**
 * When a client may meet their branch: reading a time said in Chinese (明天上午10点, 下周一下午,
 * 12月7日 14:30), judging it against the branch's opening hours, and the nearest times that are
 * open. Pure: `now` is the moment the client wrote; every date is in the hours' time zone.
 */
export type BranchHours = EscalationPolicy['businessHours'];

/**
 * When the branch receives clients for a meeting: trading days 09:00-17:00, closed on the policy's
 * public holidays (the bot adds them from the escalation policy's `closedDates`). Advisors answer
 * chats longer (the policy's business hours); a meeting needs the branch itself open.
 */
export const BRANCH_MEETING_HOURS: BranchHours = {
  timezone: 'Asia/Shanghai',
  weekdays: [1, 2, 3, 4, 5],
  open: '09:00',
  close: '17:00',
  closedDates: [],
};

/** A meeting must be asked for at least this long ahead (someone must confirm it). */
export const MIN_LEAD_MIN = 60;
/** The last start time is this long before closing. */
export const MEETING_MIN = 60;

/** A requested time: a local day (days since 1970-01-01) and a span of minutes of that day. */
export interface RequestedTime {
  day: number;
  from: number;
  to: number;
  /** A clock time was given (from === to); otherwise a part of the day or the whole day. */
  exact: boolean;
  /** 上午 / 下午 … when a part of the day was given without a clock time. */
  part: string | null;
  /** A bare weekday naming today (周五 on a Friday): next week's when today's is over. */
  flexibleWeek?: boolean;
}

const DAY_MS = 86_400_000;
const WEEKDAY_ZH = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** 10, 十, 十一, 二十三, 两 → numbers; null when not a number. */
function num(s: string): number | null {
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^[零〇一二两三四五六七八九十]+$/.test(s)) return null;
  if (!s.includes('十')) return s.length === 1 ? (CN_DIGITS[s] ?? null) : null;
  const [tens, ones] = s.split('十');
  return (tens ? (CN_DIGITS[tens] ?? NaN) : 1) * 10 + (ones ? (CN_DIGITS[ones] ?? NaN) : 0) || null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(now: Date, timezone: string): { y: number; m: number; d: number; minutes: number } {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  const p = Object.fromEntries(f.formatToParts(now).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), minutes: Number(p.hour) * 60 + Number(p.minute) };
}

/** The local day number of `now` and its minute of the day. */
export function localNow(now: Date, timezone: string): { day: number; minutes: number } {
  const p = parts(now, timezone);
  return { day: Math.round(Date.UTC(p.y, p.m - 1, p.d) / DAY_MS), minutes: p.minutes };
}

/** ISO weekday (1 = Monday) of a day number. */
export function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

function ymd(day: number): { y: number; m: number; d: number } {
  const t = new Date(day * DAY_MS);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** The instant of a local day and minute in the time zone (no DST in China; two passes suffice elsewhere). */
export function instantOf(day: number, minute: number, timezone: string): Date {
  const wanted = day * DAY_MS + minute * 60_000;
  let guess = wanted;
  for (let i = 0; i < 2; i++) {
    const p = parts(new Date(guess), timezone);
    const seen = Date.UTC(p.y, p.m - 1, p.d) + p.minutes * 60_000;
    guess += wanted - seen;
  }
  return new Date(guess);
}

const PARTS: [RegExp, string, number, number][] = [
  [/上午|早上|早晨|早间|一早/, '上午', 9 * 60, 12 * 60],
  [/中午/, '中午', 11 * 60 + 30, 13 * 60 + 30],
  [/下午|午后/, '下午', 13 * 60, 18 * 60],
  [/傍晚|晚上|晚间|夜里|今晚|明晚/, '晚上', 18 * 60, 22 * 60],
];

const NUM = '(\\d{1,2}|[零〇一二两三四五六七八九十]{1,3})';
const CLOCK = new RegExp(
  `(?<![早晚快慢差有])${NUM}\\s*(?:点|时|:|：)\\s*(半|一刻|三刻|(\\d{1,2}|[零〇一二三四五六七八九十]{1,3})\\s*分?)?`,
);

function dayOf(text: string, today: number): number | null {
  const iso = /(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})/.exec(text);
  if (iso) return Math.round(Date.UTC(Number(iso[1]), Number(iso[2]) - 1, Number(iso[3])) / DAY_MS);
  const md = new RegExp(`${NUM}\\s*月\\s*${NUM}\\s*[日号]?`).exec(text);
  if (md && num(md[1]!) && num(md[2]!)) {
    const { y } = ymd(today);
    const day = Math.round(Date.UTC(y, num(md[1]!)! - 1, num(md[2]!)!) / DAY_MS);
    return day < today ? Math.round(Date.UTC(y + 1, num(md[1]!)! - 1, num(md[2]!)!) / DAY_MS) : day;
  }
  const relative: [RegExp, number][] = [
    [/大后天/, 3],
    [/后天/, 2],
    [/明天|明日|明早|明晚/, 1],
    [/今天|今日|今早|今晚/, 0],
  ];
  for (const [re, add] of relative) if (re.test(text)) return today + add;
  const week = /(下下个?|下个?|这个?|本)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])/.exec(text);
  if (week) {
    const w = '一二三四五六'.includes(week[2]!)
      ? '一二三四五六'.indexOf(week[2]!) + 1
      : /[日天7]/.test(week[2]!)
        ? 7
        : Number(week[2]);
    const monday = today - (weekdayOf(today) - 1);
    const prefix = week[1] ?? '';
    if (prefix.startsWith('下下')) return monday + 14 + w - 1;
    if (prefix.startsWith('下')) return monday + 7 + w - 1;
    if (prefix) return monday + w - 1;
    const ahead = (w - weekdayOf(today) + 7) % 7;
    return today + ahead;
  }
  const dom = /(?<![月\d])(\d{1,2})\s*[日号]/.exec(text);
  if (dom) {
    const { y, m } = ymd(today);
    const day = Math.round(Date.UTC(y, m - 1, Number(dom[1])) / DAY_MS);
    return day < today ? Math.round(Date.UTC(y, m, Number(dom[1])) / DAY_MS) : day;
  }
  return null;
}

/**
 * A time the client gave, or null when the text names neither a day nor a clock time (都行, 随便).
 * A clock time without a day is today's if still ahead, else tomorrow's; 1–7 o'clock without
 * 上午 means the afternoon (a meeting at 3 点 is 15:00).
 */
export function parseRequestedTime(text: string, now: Date, timezone: string): RequestedTime | null {
  const t = text.replace(/\s+/g, ' ');
  const { day: today, minutes: nowMin } = localNow(now, timezone);
  const part = PARTS.find(([re]) => re.test(t)) ?? null;
  // A clock time, not the day of month (12月7日 10:00 has both): skip the date before looking.
  const withoutDate = t.replace(
    new RegExp(`${NUM}\\s*月\\s*${NUM}\\s*[日号]?|\\d{4}\\s*[-/年.]\\s*\\d{1,2}\\s*[-/月.]\\s*\\d{1,2}`),
    ' ',
  );
  const clock = CLOCK.exec(withoutDate);
  let minute: number | null = null;
  if (clock) {
    let h = num(clock[1]!);
    const rest = clock[2];
    const m = !rest ? 0 : rest === '半' ? 30 : rest === '一刻' ? 15 : rest === '三刻' ? 45 : (num(clock[3] ?? '') ?? 0);
    if (h !== null && h <= 24 && m < 60) {
      if (part && ['下午', '晚上'].includes(part[1]) && h < 12) h += 12;
      else if (part?.[1] === '中午' && h <= 3) h += 12;
      else if (!part && h >= 1 && h <= 7) h += 12;
      minute = h * 60 + m;
    }
  }
  let day = dayOf(t, today);
  if (day === null && minute === null && !part) return null;
  if (day === null) day = (minute ?? part![3]) > nowMin ? today : today + 1;
  // 周五 said on a Friday: today's, or next week's once today's is over (judgeTime decides).
  const bareWeekday = /(?<![下这本个])(?:周|星期|礼拜)[一二三四五六日天1-7]/.test(withoutDate) && !/今天|今日/.test(t);
  const flexibleWeek = bareWeekday && day === today ? { flexibleWeek: true } : {};
  if (minute !== null) return { day, from: minute, to: minute, exact: true, part: null, ...flexibleWeek };
  if (part) return { day, from: part[2], to: part[3], exact: false, part: part[1], ...flexibleWeek };
  return { day, from: 0, to: 24 * 60, exact: false, part: null, ...flexibleWeek };
}

const hm = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** "12月7日（周一）10:00", "12月7日（周一）下午", "12月7日（周一）": the offered times' labels (they parse back). */
export function describeRequested(r: RequestedTime): string {
  const { m, d } = ymd(r.day);
  const date = `${m}月${d}日（${WEEKDAY_ZH[weekdayOf(r.day)]}）`;
  return r.exact ? `${date}${hm(r.from)}` : `${date}${r.part ?? ''}`;
}

export type TimeVerdict =
  | { ok: true; time: RequestedTime; label: string }
  | { ok: false; time: RequestedTime; problem: 'past' | 'too_soon' | 'closed_day' | 'outside_hours' };

function bookable(hours: BranchHours, day: number, minute: number, now: Date): boolean {
  const at = instantOf(day, minute, hours.timezone);
  return (
    at.getTime() >= now.getTime() + MIN_LEAD_MIN * 60_000 && minute <= toMinutes(hours.close) - MEETING_MIN && isOpen(hours, at)
  );
}

/** Whether the branch can receive the client then: an open day, within hours, ahead of now. */
export function judgeTime(r: RequestedTime, hours: BranchHours, now: Date): TimeVerdict {
  const verdict = judgeDay(r, hours, now);
  if (!verdict.ok && (verdict.problem === 'too_soon' || verdict.problem === 'past') && r.flexibleWeek) {
    return judgeDay({ ...r, day: r.day + 7, flexibleWeek: false }, hours, now);
  }
  return verdict;
}

function judgeDay(r: RequestedTime, hours: BranchHours, now: Date): TimeVerdict {
  const { day: today, minutes: nowMin } = localNow(now, hours.timezone);
  // Over already: an earlier day, or today's time (or part of the day) that has passed.
  if (r.day < today || (r.day === today && (r.exact ? r.from : r.to) <= nowMin)) return { ok: false, time: r, problem: 'past' };
  // The day itself is open (a weekday of the hours, no holiday) when its opening minute is.
  const dayOpen = isOpen(hours, instantOf(r.day, toMinutes(hours.open), hours.timezone));
  if (!dayOpen) return { ok: false, time: r, problem: 'closed_day' };
  if (r.exact) {
    if (bookable(hours, r.day, r.from, now)) return { ok: true, time: r, label: describeRequested(r) };
    const inHours = r.from >= toMinutes(hours.open) && r.from <= toMinutes(hours.close) - MEETING_MIN;
    return { ok: false, time: r, problem: inHours ? 'too_soon' : 'outside_hours' };
  }
  for (let m = Math.ceil(r.from / 30) * 30; m < r.to; m += 30) {
    if (bookable(hours, r.day, m, now)) return { ok: true, time: r, label: describeRequested(r) };
  }
  const overlaps = r.from < toMinutes(hours.close) && r.to > toMinutes(hours.open);
  return { ok: false, time: r, problem: overlaps && r.day === today ? 'too_soon' : 'outside_hours' };
}

/**
 * Up to `n` bookable times nearest the requested one, in time order: the same clock time (kept
 * within opening hours) on the nearest open days, or the earliest times when nothing was asked.
 */
export function nearestSlots(r: RequestedTime | null, hours: BranchHours, now: Date, n = 3): RequestedTime[] {
  const { day: today } = localNow(now, hours.timezone);
  const open = toMinutes(hours.open);
  const last = toMinutes(hours.close) - MEETING_MIN;
  const wanted = r ? (r.exact ? r.from : Math.max(r.from, open) + 60) : open + 60;
  const minute = Math.min(Math.max(Math.round(wanted / 30) * 30, open), last);
  const target = r ? Math.max(r.day, today) : today;
  const found: RequestedTime[] = [];
  for (let day = today; day <= today + 30; day++) {
    let m = minute;
    // Today: the first bookable half hour from the wanted time on.
    while (!bookable(hours, day, m, now) && day === today && m < last) m += 30;
    if (bookable(hours, day, m, now)) found.push({ day, from: m, to: m, exact: true, part: null });
  }
  return found
    .sort((a, b) => Math.abs(a.day - target) - Math.abs(b.day - target) || a.day - b.day)
    .slice(0, n)
    .sort((a, b) => a.day - b.day || a.from - b.from);
}

/** Why a time cannot be booked, for the client. */
export function problemText(v: Extract<TimeVerdict, { ok: false }>, hoursText: string): string {
  const when = describeRequested(v.time);
  switch (v.problem) {
    case 'past':
      return `${when}已经过去了。`;
    case 'too_soon':
      return `${when}太近了，来不及安排（请至少提前 1 小时预约）。`;
    case 'closed_day':
      return `${when}营业部不营业（营业时间：${hoursText}）。`;
    case 'outside_hours':
      return `${when}不在营业部营业时间内（${hoursText}）。`;
  }
}
