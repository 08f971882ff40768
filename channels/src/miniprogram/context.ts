import type { Services } from '@brokerbot/shared';
import type { MiniProgramSettings } from '../channel-config';
import type { SendBudget } from '../tencent/send-budget';
import type { MpApi } from './mp-api';
import type { MpTyping } from './mp-typing';

/** What the mini-program channel's parts share: made once per process by createMiniProgramChannel. */
export interface MpContext {
  services: Services;
  settings: MiniProgramSettings;
  defaultBranchId: string | null;
  api: MpApi;
  budget: SendBudget;
  typing: MpTyping;
  keyPrefix: string;
}
