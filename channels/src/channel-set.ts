import type { Express } from 'express';
import type { Server } from 'socket.io';
import {
  ConfigError,
  type Channel,
  type ConversationDoc,
  type MessageDoc,
  type OutboundJob,
  type Services,
} from '@brokerbot/shared';
import { CHANNEL_VARIABLES, loadChannelConfig, type ChannelConfig } from './channel-config';
import { mountAdvisorChannelStatus } from './advisor-channel-status';
import { createMiniProgramChannel, type MiniProgramChannel } from './miniprogram';
import { mountAdvisorTyping } from './advisor-typing';
import { pointAt, startChannelSimulators } from './sim-page/demo-simulators';
import { simRoutes } from './sim-page/sim-routes';
import type { DemoSimulators } from './simulators';
import type { BudgetView } from './tencent/send-budget';
import { createWecomChannel, type WecomChannel } from './wecom';

/** Delivers a stored message on its platform; returns every stored message the delivery carried. */
export interface ChannelSender {
  deliver(message: MessageDoc, job: OutboundJob): Promise<MessageDoc[]>;
}
export type ChannelSenders = Partial<Record<Channel, ChannelSender>>;

/** The WeCom and mini-program channels of this process, as configured (either may be off). */
export interface ChannelSet {
  readonly config: ChannelConfig;
  readonly wecom: WecomChannel | null;
  readonly miniprogram: MiniProgramChannel | null;
  /** Demo mode without credentials: the loopback simulators standing in for Tencent. */
  readonly simulators: DemoSimulators | null;
  readonly senders: ChannelSenders;
  /** Gateway: callback endpoints, the demo client simulator page, advisor typing. */
  mount(app: Express, io: Server, publicDir: string): void;
  /** Gateway, once it listens: point demo simulators at our URLs, catch up on WeCom messages. */
  startGateway(baseUrl: string): Promise<void>;
  /** What may still be sent to the conversation's client (null for the trading app, which has no limit). */
  budgetOf(conversation: ConversationDoc): Promise<BudgetView | null>;
  stop(): Promise<void>;
}

export async function createChannels(services: Services, env: NodeJS.ProcessEnv): Promise<ChannelSet> {
  const { logger } = services;
  const demoMode = services.config.DEMO_MODE;
  let config = loadChannelConfig(env, { demoMode });
  let simulators: DemoSimulators | null = null;
  if (config.simulators) {
    const roles = services.config.ROLES;
    if (!roles.includes('gateway') || !roles.includes('outbound')) {
      throw new ConfigError([
        'CHANNEL_SIMULATORS=1 needs the gateway and outbound roles in the same process (the simulators live in it)',
      ]);
    }
    const started = await startChannelSimulators();
    simulators = started.sims;
    config = loadChannelConfig({ ...env, CHANNEL_SIMULATORS: '0', ...started.env }, { demoMode });
    logger.info(
      { wecomApi: started.env.WECOM_API_BASE, miniprogramApi: started.env.MINIPROGRAM_API_BASE },
      'demo: WeCom kf and mini-program simulators run on loopback',
    );
  }
  const wecom = config.wecom ? createWecomChannel(services, config.wecom, config) : null;
  const miniprogram = config.miniprogram ? createMiniProgramChannel(services, config.miniprogram, config) : null;
  if (wecom)
    logger.info({ openKfIds: config.wecom!.openKfIds, handoffMode: config.wecom!.handoffMode }, 'WeCom 微信客服 channel enabled');
  else logger.info(`WeCom 微信客服 channel disabled: ${CHANNEL_VARIABLES.wecom.join(', ')} are not set`);
  if (miniprogram) logger.info({ mode: config.miniprogram!.aesKey ? 'safe' : 'plaintext' }, 'mini-program channel enabled');
  else logger.info(`mini-program channel disabled: ${CHANNEL_VARIABLES.miniprogram.join(', ')} are not set`);

  const senders: ChannelSenders = {};
  if (wecom) senders.wecom = wecom;
  if (miniprogram) senders.miniprogram = miniprogram;

  async function budgetOf(conversation: ConversationDoc): Promise<BudgetView | null> {
    if (conversation.channel === 'wecom' && wecom) return wecom.budgetOf(conversation);
    if (conversation.channel === 'miniprogram' && miniprogram) return miniprogram.budgetOf(conversation);
    return null;
  }

  return {
    config,
    wecom,
    miniprogram,
    simulators,
    senders,
    mount(app, io, publicDir) {
      mountAdvisorChannelStatus(io, services, budgetOf);
      if (wecom) app.use(wecom.router);
      mountAdvisorTyping(io, services, miniprogram);
      if (miniprogram) app.use(miniprogram.router);
      if (simulators) app.use(simRoutes(services, simulators, publicDir));
    },
    async startGateway(baseUrl) {
      if (simulators) {
        pointAt(simulators, baseUrl);
        const [kf, mp] = await Promise.all([simulators.kf.verifyCallbackUrl(), simulators.miniprogram.verifyPushUrl()]);
        logger.info({ wecom: kf.ok, miniprogram: mp.ok }, 'demo: simulators verified our callback URLs');
      }
      await wecom?.start();
    },
    budgetOf,
    async stop() {
      await wecom?.stop();
      await simulators?.stop();
    },
  };
}
