import { ComponentDialog, WaterfallDialog } from 'botbuilder-dialogs';
import { isCancel } from './choice';
import type { FlowResult } from './flow-result';
import { textPrompt, values } from './prompt-step';

/** 预约见面: topic and preferred time; the branch's advisors get the request. */
export class AppointmentDialog extends ComponentDialog {
  static readonly id = 'appointment';

  constructor() {
    super(AppointmentDialog.id);
    this.addDialog(textPrompt('ap.topic', 2));
    this.addDialog(textPrompt('ap.time', 2));
    this.addDialog(
      new WaterfallDialog('ap.flow', [
        async (step) =>
          step.prompt('ap.topic', {
            prompt: '好的，为您预约客户经理。请简单说明想咨询的事项（例如：两融开通、资产配置、账户问题）。',
            retryPrompt: '请简单说明想咨询的事项：',
          }),
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          values(step).topic = (step.result as string).trim().slice(0, 200);
          return step.prompt('ap.time', {
            prompt: '您方便的时间是？（例如：周三下午、下周一上午 10 点；营业部服务时间为交易日 9:00-17:00）',
            retryPrompt: '请告诉我您方便的时间：',
          });
        },
        async (step) => {
          if (isCancel(step.result as string)) return step.endDialog({ outcome: 'cancelled' } satisfies FlowResult);
          const preferredTime = (step.result as string).trim().slice(0, 100);
          await step.context.sendActivity(
            `已为您登记预约：${values(step).topic}，时间：${preferredTime}。客户经理会在一个工作日内与您确认，请留意来电。`,
          );
          return step.endDialog({
            outcome: 'appointment',
            topic: values(step).topic as string,
            preferredTime,
            contact: '',
          } satisfies FlowResult);
        },
      ]),
    );
    this.initialDialogId = 'ap.flow';
  }
}
