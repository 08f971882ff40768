import { createHash } from 'node:crypto';
import type { Services } from '@brokerbot/shared';
import { AccessTokenCache, type TokenFetcher } from './access-token';
import { TencentApi } from './api-client';
import { RateLimiter } from './rate-limiter';

/**
 * The API client of one Tencent app (a WeCom corp's kf secret, a mini-program AppID): its token
 * and rate-limit counters live in Redis under keys named after the app, so every process of the
 * deployment shares one token and one count. A changed secret gets a fresh token key.
 */
export function createAppClient(
  services: Pick<Services, 'redis' | 'logger' | 'config'>,
  app: { name: 'wecom' | 'miniprogram'; id: string; secret: string; baseUrl: string },
  fetchToken: (api: TencentApi) => TokenFetcher,
): TencentApi {
  const prefix = `${services.config.QUEUE_PREFIX}:tencent`;
  const secretTag = createHash('sha1').update(app.secret).digest('hex').slice(0, 8);
  const api = new TencentApi({
    name: app.name,
    baseUrl: app.baseUrl,
    limiter: new RateLimiter(services.redis, `${prefix}:rate:${app.name}:${app.id}`),
    logger: services.logger,
  });
  api.useTokens(new AccessTokenCache(services.redis, `${prefix}:token:${app.name}:${app.id}:${secretTag}`, fetchToken(api)));
  return api;
}
