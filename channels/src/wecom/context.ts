import type { Services } from '@brokerbot/shared';
import type { WecomSettings } from '../channel-config';
import type { SendBudget } from '../tencent/send-budget';
import type { KfApi } from './kf-api';
import type { KfContacts } from './kf-contacts';
import type { KfSessionSync } from './kf-session';

/** What the WeCom channel's parts share: made once per process by createWecomChannel. */
export interface WecomContext {
  services: Services;
  settings: WecomSettings;
  defaultBranchId: string | null;
  kf: KfApi;
  budget: SendBudget;
  contacts: KfContacts;
  session: KfSessionSync;
  /** Redis key prefix of the channel's own state (cursors, locks, session cache). */
  keyPrefix: string;
}
