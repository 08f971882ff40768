import type { Router } from 'express';
import type { Services } from '@brokerbot/shared';
import type { ChannelSet } from '../channel-set';
import { MediaKeeper, type MediaSources } from './media-keeper';
import { mediaRoute, type VerifyAdvisor } from './media-route';
import { MediaStore } from './media-store';
import { startMediaWorker } from './media-worker';

export { queueMediaDownload } from './media-worker';
export { MediaStore, mediaKey, type MessageMediaDoc } from './media-store';
export type { MediaSource, MediaDownload } from './tencent-media';
export type { AdvisorIdentity, VerifyAdvisor } from './media-route';
export type { MessageMediaRef } from './media-kinds';

/** The gateway's part in keeping client files: the download worker, and the advisor route when advisors can be verified. */
export interface MessageMedia {
  readonly store: MediaStore;
  readonly router: Router | null;
  stop(): Promise<void>;
}

/** Null when neither WeCom nor the mini-program is configured (no client can send a file). */
export function startMessageMedia(
  services: Services,
  channels: Pick<ChannelSet, 'wecom' | 'miniprogram'>,
  verifyAdvisor?: VerifyAdvisor,
): MessageMedia | null {
  const sources: MediaSources = {};
  if (channels.wecom) sources.wecom = channels.wecom.media;
  if (channels.miniprogram) sources.miniprogram = channels.miniprogram.media;
  if (Object.keys(sources).length === 0) return null;
  const store = new MediaStore(services.db);
  const keeper = new MediaKeeper({ db: services.db, store, sources, logger: services.logger });
  const worker = startMediaWorker(services, keeper);
  const router = verifyAdvisor ? mediaRoute({ db: services.db, store, keeper, verifyAdvisor, logger: services.logger }) : null;
  return { store, router, stop: () => worker.stop() };
}
