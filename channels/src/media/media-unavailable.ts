import type { MediaKind } from '@brokerbot/shared';
import { MEDIA_LABELS, MEDIA_LIMITS } from './media-kinds';

/**
 * Why a client's file could not be kept. Each is final: the outcome is recorded once and never
 * retried (an expired media_id stays expired, a file over the limit stays over it).
 */
export type UnavailableReason = 'expired' | 'too_large' | 'download_failed';

export class MediaUnavailableError extends Error {
  override readonly name = 'MediaUnavailableError';
  constructor(
    readonly reason: UnavailableReason,
    /** What Tencent or we observed, for logs and the record (not shown to advisors). */
    readonly detail: string,
  ) {
    super(`media unavailable (${reason}): ${detail}`);
  }
}

/** The advisor's explanation, in Chinese. */
export function unavailableMessage(reason: UnavailableReason, kind: MediaKind): string {
  const label = MEDIA_LABELS[kind];
  switch (reason) {
    case 'expired':
      return `${label}已过期或无效（腾讯临时素材仅保留3天），未能保存`;
    case 'too_large':
      return `${label}超过${MEDIA_LIMITS[kind] / (1024 * 1024)}MB上限，未保存`;
    case 'download_failed':
      return `多次尝试后仍无法从腾讯下载该${label}，未能保存`;
  }
}
