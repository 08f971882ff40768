import { describeHours } from '../policy/business-hours';
import {
  BRANCH_MEETING_HOURS,
  describeRequested,
  judgeTime,
  nearestSlots,
  parseRequestedTime,
  problemText,
  type BranchHours,
} from './appointment-time';
import type { FlowResult } from './flow-result';
import { SlotFlowDialog, textSlot, type Ask, type Slot, type SlotReading, type SlotTurn } from './slot-flow';

/** Topics a first message may already name (我想约客户经理聊聊两融). */
const TOPICS: [RegExp, string][] = [
  [/两融|融资融券/, '融资融券'],
  [/资产配置|理财|配置/, '资产配置'],
  [/销户/, '销户'],
  [/开户/, '开户'],
  [/期权/, '期权'],
  [/港股通/, '港股通'],
  [/基金/, '基金'],
  [/新股|打新/, '新股申购'],
  [/转托管/, '转托管'],
  [/账户/, '账户问题'],
];

export function topicFromText(text: string): string | null {
  const about = /(?:咨询|聊聊|聊一下|谈谈|了解一下|关于)([^，。,；;！!？?]{2,30})/.exec(text);
  const named = TOPICS.find(([re]) => re.test(text));
  if (named) return named[1];
  return about ? about[1]!.replace(/的(事|问题|情况)$/, '').trim() || null : null;
}

const RELATIVE_DAY = /今天|今日|今早|今晚|明天|明日|明早|明晚|后天/;

/** The preferred time: read in Chinese, judged against the branch's hours, nearest open times offered as buttons. */
export function timeSlot(hours: BranchHours): Slot {
  const hoursText = describeHours(hours);
  const offer = (lead: string, turn: SlotTurn, near: ReturnType<typeof parseRequestedTime>): Ask => {
    const slots = nearestSlots(near, hours, turn.now).map(describeRequested);
    return {
      text: slots.length
        ? `${lead}可以选择以下最近的时间，或告诉我其他时间：\n${slots.map((s, i) => `${i + 1}. ${s}`).join('\n')}`
        : `${lead}请告诉我其他时间（营业部服务时间为${hoursText}）：`,
      options: slots.map((s) => ({ value: s, label: s })),
    };
  };
  const judge = (text: string, turn: SlotTurn, strict: boolean): SlotReading | null => {
    const requested = parseRequestedTime(text, turn.now, hours.timezone);
    if (!requested) return strict ? null : { retry: offer('没能看懂您方便的时间。', turn, null) };
    const verdict = judgeTime(requested, hours, turn.now);
    // An answer to the question is kept in the client's words (周三下午), unless they are relative
    // to today (明天 is wrong tomorrow); a time read out of a longer message is kept as its date.
    if (verdict.ok) return { value: strict || RELATIVE_DAY.test(text) ? verdict.label : text.trim().slice(0, 100) };
    return { retry: offer(`抱歉，${problemText(verdict, hoursText)}`, turn, requested) };
  };
  return {
    name: 'time',
    ask: () => ({ text: `您方便的时间是？（例如：周三下午、下周一上午 10 点；营业部服务时间为${hoursText}）` }),
    read: (answer, _values, turn) => judge(answer, turn, false)!,
    fromText: (text, _values, turn) => judge(text, turn, true),
  };
}

/** 预约见面: topic and preferred time (within the branch's opening hours); the branch's advisors get the request. */
export class AppointmentDialog extends SlotFlowDialog {
  static readonly id = 'appointment';

  constructor(hours: BranchHours = BRANCH_MEETING_HOURS) {
    super({
      id: AppointmentDialog.id,
      intro: () => '好的，为您预约客户经理。',
      slots: [
        textSlot('topic', '请简单说明想咨询的事项（例如：两融开通、资产配置、账户问题）。', '请简单说明想咨询的事项：', {
          min: 2,
          fromText: topicFromText,
        }),
        timeSlot(hours),
      ],
      finish: async (context, v) => {
        await context.sendActivity(`已为您登记预约：${v.topic}，时间：${v.time}。客户经理会在一个工作日内与您确认，请留意来电。`);
        return { outcome: 'appointment', topic: v.topic!, preferredTime: v.time!, contact: '' } satisfies FlowResult;
      },
    });
  }
}
