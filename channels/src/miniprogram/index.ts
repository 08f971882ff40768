import type { Router } from 'express';
import type { ConversationDoc, MessageDoc, OutboundJob, Services } from '@brokerbot/shared';
import type { ChannelConfig, MiniProgramSettings } from '../channel-config';
import type { MediaSource } from '../media';
import { ReplayGuard } from '../tencent/replay-guard';
import { ENTER_WINDOW, MESSAGE_WINDOW, SendBudget, type BudgetView } from '../tencent/send-budget';
import { miniProgramCallbackRouter } from './callback-route';
import type { MpContext } from './context';
import { createMpApi, createMpMediaClient, type TypingCommand } from './mp-api';
import { handleMpPush } from './mp-inbound';
import { deliverMp } from './mp-sender';
import { MpTyping } from './mp-typing';

/** The mini-program customer-service channel of one process: push endpoint (gateway), sender (outbound). */
export interface MiniProgramChannel {
  readonly settings: MiniProgramSettings;
  readonly router: Router;
  /** Downloads the images clients sent (media/get), with the API's token and rate limit. */
  readonly media: MediaSource;
  deliver(message: MessageDoc, job: OutboundJob): Promise<MessageDoc[]>;
  budgetOf(conversation: ConversationDoc): Promise<BudgetView>;
  /** The typing indicator in the client's chat (the advisor types / stops). */
  typing(openId: string, command: TypingCommand): Promise<void>;
}

export function createMiniProgramChannel(
  services: Services,
  settings: MiniProgramSettings,
  config: ChannelConfig,
): MiniProgramChannel {
  const keyPrefix = `${services.config.QUEUE_PREFIX}:miniprogram`;
  const api = createMpApi(services, settings);
  const ctx: MpContext = {
    services,
    settings,
    defaultBranchId: config.defaultBranchId,
    api,
    budget: new SendBudget(services.redis, `${keyPrefix}:budget`, [MESSAGE_WINDOW, ENTER_WINDOW]),
    typing: new MpTyping(api, services.logger),
    keyPrefix,
  };
  const router = miniProgramCallbackRouter({
    settings,
    guard: new ReplayGuard(services.redis, `${keyPrefix}:seen`, config.callbackMaxSkewS),
    logger: services.logger,
    async onPush(fields) {
      const { typingFor } = await handleMpPush(ctx, fields);
      // The bot's turn starts now: "typing…" until its answer arrives (a sent message cancels it).
      return typingFor ? { after: () => void ctx.typing.set(typingFor, 'Typing') } : {};
    },
  });
  return {
    settings,
    router,
    media: createMpMediaClient(api),
    deliver: (message, job) => deliverMp(ctx, message, job),
    budgetOf: (conversation) => ctx.budget.read(conversation.externalUserId),
    typing: (openId, command) => ctx.typing.set(openId, command),
  };
}
