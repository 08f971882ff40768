import { Worker, type JobsOptions } from 'bullmq';
import {
  QUEUE_NAMES,
  createRedis,
  inboundJobId,
  mediaJobSchema,
  type Channel,
  type MediaJob,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';
import type { MediaKeeper } from './media-keeper';

/** 10 tries over about 40 minutes (5 s doubling): a Tencent outage of that length still loses nothing. */
export const MEDIA_JOB_OPTIONS: JobsOptions = { attempts: 10, backoff: { type: 'exponential', delay: 5_000 } };

/**
 * Queues the download of a stored client message's file. Called after the message is stored and
 * again on every redelivery: the job id is the message's, so it is queued once, and a job that
 * ran already finds the outcome recorded.
 */
export async function queueMediaDownload(
  services: Pick<Services, 'queues'>,
  channel: Channel,
  channelMessageId: string,
): Promise<void> {
  await services.queues.media.add(
    'download',
    { channel, channelMessageId },
    { jobId: inboundJobId(channel, channelMessageId), ...MEDIA_JOB_OPTIONS },
  );
}

/** Keeps the files of queued messages; the last failed try records the file as unavailable (no endless retries). */
export function startMediaWorker(
  services: Pick<Services, 'config' | 'logger'>,
  keeper: MediaKeeper,
  concurrency = 4,
): { stop(): Promise<void> } {
  const connection = createRedis(services.config.REDIS_URL, 'media-worker');
  const worker = new Worker<MediaJob>(
    QUEUE_NAMES.media,
    async (job) => {
      const { channel, channelMessageId } = mediaJobSchema.parse(job.data);
      try {
        await keeper.keep(channel, channelMessageId);
      } catch (err) {
        if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw err;
        services.logger.error(
          { err, channel, channelMessageId },
          'client media could not be downloaded; recorded as unavailable',
        );
        await keeper.giveUp(channel, channelMessageId, (err as Error).message);
      }
    },
    { ...WORKER_STALL_OPTIONS, connection, prefix: services.config.QUEUE_PREFIX, concurrency },
  );
  worker.on('failed', (job, err) =>
    services.logger.warn({ err, jobId: job?.id, attempt: job?.attemptsMade }, 'client media download failed; will retry'),
  );
  worker.on('error', (err) => services.logger.error({ err }, 'media worker error'));
  return {
    async stop() {
      await worker.close();
      await connection.quit().catch(() => undefined);
    },
  };
}
