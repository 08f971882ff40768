import type { Services } from '@brokerbot/shared';
import type { MiniProgramSettings } from '../channel-config';
import { requestToken, type ApiAnswer, type TencentApi } from '../tencent/api-client';
import { createAppClient } from '../tencent/app-client';
import { TencentMediaClient } from '../media/tencent-media';

export type TypingCommand = 'Typing' | 'CancelTyping';

/** The mini-program's customer-service API (api.weixin.qq.com) over the shared TencentApi client. */
export class MpApi {
  constructor(readonly api: TencentApi) {}

  send(body: Record<string, unknown>): Promise<ApiAnswer> {
    return this.api.post('/cgi-bin/message/custom/send', body);
  }

  typing(openId: string, command: TypingCommand): Promise<ApiAnswer> {
    return this.api.post('/cgi-bin/message/custom/typing', { touser: openId, command });
  }
}

/** Token from cgi-bin/stable_token: the same token for every caller while it lives (force_refresh only when refused). */
export function createMpApi(services: Pick<Services, 'redis' | 'logger' | 'config'>, settings: MiniProgramSettings): MpApi {
  const api = createAppClient(
    services,
    { name: 'miniprogram', id: settings.appId, secret: settings.secret, baseUrl: settings.apiBase },
    (client) => (force) =>
      requestToken(
        () =>
          client.request('POST', '/cgi-bin/stable_token', {
            body: { grant_type: 'client_credential', appid: settings.appId, secret: settings.secret, force_refresh: force },
          }),
        'stable_token',
      ),
  );
  return new MpApi(api);
}

/** media/get of the mini-program (images from the customer-service chat), through its API client. */
export function createMpMediaClient(mp: MpApi): TencentMediaClient {
  return new TencentMediaClient(mp.api);
}
