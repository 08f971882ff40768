import { TextPrompt, type PromptValidatorContext, type WaterfallStepContext } from 'botbuilder-dialogs';
import { isCancel, pickChoice, type ChoiceOption } from './choice';

/** A text prompt that accepts one of the options (or 取消), re-asking otherwise. */
export function choicePrompt<T extends string>(id: string, options: ChoiceOption<T>[]): TextPrompt {
  return new TextPrompt(id, async (prompt: PromptValidatorContext<string>) => {
    const text = prompt.recognized.value ?? '';
    return isCancel(text) || pickChoice(text, options) !== null;
  });
}

/** A free-text prompt that needs at least `min` characters. */
export function textPrompt(id: string, min = 1): TextPrompt {
  return new TextPrompt(id, async (prompt) => (prompt.recognized.value ?? '').trim().length >= min);
}

/** A waterfall's per-run scratch values (typed `object` by botbuilder). */
export function values(step: WaterfallStepContext): Record<string, unknown> {
  return step.values as Record<string, unknown>;
}
