import type { Router } from 'express';
import type { ConversationDoc, MessageDoc, OutboundJob, Services } from '@brokerbot/shared';
import type { ChannelConfig, WecomSettings } from '../channel-config';
import type { MediaSource } from '../media';
import { ReplayGuard } from '../tencent/replay-guard';
import { MESSAGE_WINDOW, SendBudget, type BudgetView } from '../tencent/send-budget';
import { stringField, type BodyObject } from './body';
import { wecomCallbackRouter } from './callback-route';
import type { WecomContext } from './context';
import { createKfApi, createKfMediaClient } from './kf-api';
import { kfClientKey, KfContacts } from './kf-contacts';
import { handleKfItem } from './kf-inbound';
import { KfPuller } from './kf-puller';
import { deliverKf } from './kf-sender';
import { KfSessionSync } from './kf-session';

/** The WeCom 微信客服 channel of one process: callback endpoint and puller (gateway), sender (outbound). */
export interface WecomChannel {
  readonly settings: WecomSettings;
  readonly router: Router;
  readonly puller: KfPuller;
  /** Downloads what clients sent (media/get), with the kf API's token and rate limit. */
  readonly media: MediaSource;
  /** Gateway role: catch up on unread messages, then keep pulling when WeCom calls back. */
  start(): Promise<void>;
  deliver(message: MessageDoc, job: OutboundJob): Promise<MessageDoc[]>;
  budgetOf(conversation: ConversationDoc): Promise<BudgetView>;
  stop(): Promise<void>;
}

export function createWecomChannel(services: Services, settings: WecomSettings, config: ChannelConfig): WecomChannel {
  const keyPrefix = `${services.config.QUEUE_PREFIX}:wecom`;
  const kf = createKfApi(services, settings);
  const ctx: WecomContext = {
    services,
    settings,
    defaultBranchId: config.defaultBranchId,
    kf,
    budget: new SendBudget(services.redis, `${keyPrefix}:budget`, [MESSAGE_WINDOW]),
    contacts: new KfContacts(services.redis, `${keyPrefix}:kf-of`, settings.openKfIds),
    session: new KfSessionSync({
      redis: services.redis,
      db: services.db,
      kf,
      logger: services.logger,
      keyPrefix,
      mode: settings.handoffMode,
    }),
    keyPrefix,
  };
  const puller = new KfPuller(
    {
      redis: services.redis,
      logger: services.logger,
      kf,
      keyPrefix,
      handle: (item, openKfId) => handleKfItem(ctx, item, openKfId),
    },
    settings.openKfIds,
  );

  const onEvent = async (event: BodyObject) => {
    const kind = stringField(event, 'Event');
    if (stringField(event, 'MsgType') !== 'event' || kind !== 'kf_msg_or_event') {
      services.logger.debug({ kind }, 'wecom callback event ignored');
      return;
    }
    const openKfId = stringField(event, 'OpenKfId') ?? '';
    if (!ctx.contacts.serves(openKfId)) {
      services.logger.warn({ openKfId }, 'kf_msg_or_event for a kf account not in WECOM_OPEN_KFID; ignored');
      return;
    }
    await puller.notify(openKfId, stringField(event, 'Token'));
  };

  return {
    settings,
    router: wecomCallbackRouter({
      settings,
      guard: new ReplayGuard(services.redis, `${keyPrefix}:seen`, config.callbackMaxSkewS),
      logger: services.logger,
      onEvent,
    }),
    puller,
    media: createKfMediaClient(kf),
    start: () => puller.start(),
    deliver: (message, job) => deliverKf(ctx, message, job),
    async budgetOf(conversation) {
      const openKfId = await ctx.contacts.kfOf(conversation.externalUserId);
      return ctx.budget.read(kfClientKey(openKfId, conversation.externalUserId));
    },
    stop: () => puller.stop(),
  };
}
