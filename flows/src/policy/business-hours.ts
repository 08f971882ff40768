import type { EscalationPolicy } from './schema';

type Hours = EscalationPolicy['businessHours'];

// Building a formatter costs ~50 µs; decide() runs on every message, so one per time zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: timezone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/** The wall-clock date, ISO weekday and minutes of `now` in the policy's time zone. */
function local(now: Date, timezone: string): { date: string; weekday: number; minutes: number } {
  const parts = Object.fromEntries(
    formatter(timezone)
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  const weekday = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].indexOf(parts.weekday ?? '') + 1;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minutes: Number(parts.hour) * 60 + Number(parts.minute) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether advisors are on duty at `now`. */
export function isOpen(hours: Hours, now: Date): boolean {
  const t = local(now, hours.timezone);
  if (!hours.weekdays.includes(t.weekday) || hours.closedDates.includes(t.date)) return false;
  return t.minutes >= toMinutes(hours.open) && t.minutes < toMinutes(hours.close);
}

/** The next moment advisors are on duty (now, if open); searched minute-exactly over 14 days. */
export function nextOpening(hours: Hours, now: Date): Date {
  if (isOpen(hours, now)) return now;
  let probe = new Date(Math.ceil(now.getTime() / 60_000) * 60_000);
  for (let i = 0; i < 14 * 24 * 4; i++) {
    if (isOpen(hours, probe)) {
      // Step back to the first open minute of this quarter hour.
      for (let back = 1; back <= 15; back++) {
        const earlier = new Date(probe.getTime() - back * 60_000);
        if (!isOpen(hours, earlier) || earlier <= now) return new Date(probe.getTime() - (back - 1) * 60_000);
      }
      return probe;
    }
    probe = new Date(probe.getTime() + 15 * 60_000);
  }
  return probe;
}

/** "周一至周六 08:30-21:00" for messages to clients. */
export function describeHours(hours: Hours): string {
  const names = ['', '周一', '周二', '周三', '周四', '周五', '周六', '周日'];
  const days = [...hours.weekdays].sort();
  const contiguous = days.every((d, i) => i === 0 || d === days[i - 1]! + 1);
  const span =
    contiguous && days.length > 1 ? `${names[days[0]!]}至${names[days[days.length - 1]!]}` : days.map((d) => names[d]).join('、');
  return `${span} ${hours.open}-${hours.close}（法定节假日除外）`;
}
