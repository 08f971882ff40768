import { MessageFactory, type Activity, type TurnContext } from 'botbuilder-core';
import {
  ComponentDialog,
  TextPrompt,
  WaterfallDialog,
  type PromptValidatorContext,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import { isCancel, mentionedChoice, pickChoice, renderChoices, type ChoiceOption } from './choice';
import type { FlowResult } from './flow-result';

/**
 * The multi-turn flows as slots to fill: each slot is asked for only while it is empty, and the
 * message that started the flow (or any answer) fills every slot it already speaks to — a client
 * who wrote 交易密码被锁了 is not asked which password nor whether it is locked. Options go out
 * as a menu (`channelData.menu`), so every channel shows them as it shows the clarifying menu:
 * buttons in the app, a msgmenu in WeCom, numbered lines in the mini-program.
 */
export type SlotValues = Record<string, string>;

/** What the turn knows besides the text: when the client wrote it. */
export interface SlotTurn {
  now: Date;
}

/** A question to the client, with its options as tappable choices when there are any. */
export interface Ask {
  text: string;
  options?: { value: string; label: string }[];
}

/** An answer read: the slot's value, or what to ask instead (what was wrong, and the question again). */
export type SlotReading = { value: string } | { retry: Ask };

export interface Slot {
  name: string;
  ask(values: SlotValues, turn: SlotTurn): Ask;
  /** Reads the answer to this slot's question. */
  read(answer: string, values: SlotValues, turn: SlotTurn): SlotReading;
  /**
   * Reads the slot from any message that speaks to it unasked (the one that started the flow, an
   * answer to another question), or null when it does not. A reading with `retry` means the
   * client named it but it cannot be used (a closed day): the slot is asked with that text.
   */
  fromText?(text: string, values: SlotValues, turn: SlotTurn): SlotReading | null;
}

export interface SlotFlowSpec {
  id: string;
  slots: Slot[];
  /** Said before the first question the flow asks (not when the first message filled every slot). */
  intro: (values: SlotValues) => string;
  /** Runs once every slot is filled: says the outcome and tells the bot what to do next. */
  finish: (context: TurnContext, values: SlotValues) => Promise<FlowResult>;
}

/** What the bot passes to `beginDialog`: the message that started the flow. */
export interface FlowStart {
  text?: string;
}

/** A choice slot: the options as numbered lines and buttons; the first message fills it when it mentions exactly one. */
export function choiceSlot<T extends string>(
  name: string,
  question: string | ((values: SlotValues) => string),
  options: ChoiceOption<T>[],
  retry = '请回复序号或点选：',
): Slot {
  const asking = (text: string): Ask => ({ text: renderChoices(text, options), options });
  return {
    name,
    ask: (values) => asking(typeof question === 'string' ? question : question(values)),
    read: (answer) => {
      const picked = pickChoice(answer, options);
      return picked ? { value: picked } : { retry: asking(retry) };
    },
    fromText: (text) => {
      const said = mentionedChoice(text, options);
      return said ? { value: said } : null;
    },
  };
}

/** A free-text slot of at least `min` characters. */
export function textSlot(
  name: string,
  question: string,
  retry: string,
  opts: { min?: number; max?: number; fromText?: (text: string) => string | null } = {},
): Slot {
  const min = opts.min ?? 1;
  return {
    name,
    ask: () => ({ text: question }),
    read: (answer) => {
      const value = answer.trim().slice(0, opts.max ?? 200);
      return value.length >= min ? { value } : { retry: { text: retry } };
    },
    ...(opts.fromText
      ? {
          fromText: (text: string) => {
            const value = opts.fromText!(text);
            return value ? { value } : null;
          },
        }
      : {}),
  };
}

/** The activity for a question: its text, and its options as a menu the channels render as buttons. */
export function askActivity(flowId: string, slot: string, ask: Ask): Partial<Activity> {
  const activity = MessageFactory.text(ask.text);
  if (ask.options?.length) {
    activity.channelData = { menu: ask.options.map((o) => ({ id: `${flowId}.${slot}:${o.value}`, label: o.label })) };
  }
  return activity;
}

const turnOf = (context: TurnContext): SlotTurn => ({
  now: context.activity.timestamp ? new Date(context.activity.timestamp) : new Date(),
});

/** Internal keys kept with the values across turns. */
const INTRODUCED = '__introduced';
const PENDING = '__pending';
const noticeKey = (slot: string) => `__ask:${slot}`;

interface LoopOptions {
  values: SlotValues;
}

/** Kept with the prompt: which slot it asks for, the values so far, and the options last shown. */
interface Offered {
  slot: string;
  values: SlotValues;
  options: { value: string; label: string }[];
}

/** Fills what `text` says of every empty slot except `except` (the one just answered). */
function fillFrom(slots: Slot[], text: string, values: SlotValues, turn: SlotTurn, except?: string): void {
  for (const slot of slots) {
    if (slot.name === except || values[slot.name] !== undefined || !slot.fromText) continue;
    const reading = slot.fromText(text, values, turn);
    if (!reading) continue;
    if ('value' in reading) {
      values[slot.name] = reading.value;
      delete values[noticeKey(slot.name)];
    } else values[noticeKey(slot.name)] = JSON.stringify(reading.retry);
  }
}

/** A flow of slots as a botbuilder dialog: ask the first empty slot, read the answer, repeat, finish. */
export class SlotFlowDialog extends ComponentDialog {
  constructor(private readonly spec: SlotFlowSpec) {
    super(spec.id);
    const promptId = `${spec.id}.answer`;
    const loopId = `${spec.id}.loop`;
    this.addDialog(new TextPrompt(promptId, (prompt) => this.validate(prompt)));
    this.addDialog(
      new WaterfallDialog(`${spec.id}.start`, [
        async (step) => {
          const values: SlotValues = {};
          const text = (step.options as FlowStart | undefined)?.text;
          if (text) fillFrom(spec.slots, text, values, turnOf(step.context));
          return step.replaceDialog(loopId, { values } satisfies LoopOptions);
        },
      ]),
    );
    this.addDialog(
      new WaterfallDialog(loopId, [
        async (step) => {
          const { values } = step.options as LoopOptions;
          const slot = spec.slots.find((s) => values[s.name] === undefined);
          if (!slot) return step.endDialog(await spec.finish(step.context, values));
          const notice = values[noticeKey(slot.name)];
          const ask: Ask = notice ? (JSON.parse(notice) as Ask) : slot.ask(values, turnOf(step.context));
          const intro = values[INTRODUCED] ? '' : spec.intro(values);
          values[INTRODUCED] = '1';
          values[PENDING] = slot.name;
          const activity = askActivity(spec.id, slot.name, { ...ask, text: intro ? `${intro}${ask.text}` : ask.text });
          const validations: Offered = { slot: slot.name, values, options: ask.options ?? [] };
          return step.prompt(promptId, { prompt: activity, validations });
        },
        async (step: WaterfallStepContext) => {
          const { values } = step.options as LoopOptions;
          const answer = String(step.result ?? '');
          if (isCancel(answer)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          const name = values[PENDING]!;
          const slot = spec.slots.find((s) => s.name === name)!;
          const turn = turnOf(step.context);
          const reading = slot.read(answer, values, turn);
          if ('value' in reading) values[name] = reading.value;
          delete values[noticeKey(name)];
          delete values[PENDING];
          fillFrom(spec.slots, answer, values, turn, name);
          return step.replaceDialog(loopId, { values } satisfies LoopOptions);
        },
      ]),
    );
    this.initialDialogId = `${spec.id}.start`;
  }

  /**
   * Reads the answer: "2" or a tapped option stands for the option's label (the options last
   * shown, also those of a re-ask); an answer the slot cannot read is asked again with the slot's
   * own retry, its options as buttons again.
   */
  private async validate(prompt: PromptValidatorContext<string>): Promise<boolean> {
    const raw = prompt.recognized.value ?? '';
    if (isCancel(raw)) return true;
    const offered = prompt.options.validations as Offered;
    const slot = this.spec.slots.find((s) => s.name === offered.slot);
    if (!slot) return true;
    const choices = offered.options.map((o) => ({ value: o.label, label: o.label, synonyms: [] }));
    const answer = (choices.length ? pickChoice(raw, choices) : null) ?? raw;
    const reading = slot.read(answer, offered.values, turnOf(prompt.context));
    if ('value' in reading) {
      prompt.recognized.value = answer;
      return true;
    }
    offered.options = reading.retry.options ?? [];
    await prompt.context.sendActivity(askActivity(this.spec.id, slot.name, reading.retry));
    return false;
  }
}
