import type { Services } from '@brokerbot/shared';
import type { WecomSettings } from '../channel-config';
import { TencentTransportError, requestToken, type ApiAnswer, type TencentApi } from '../tencent/api-client';
import { createAppClient } from '../tencent/app-client';
import { TencentMediaClient } from '../media/tencent-media';

/** A msg_list item of kf/sync_msg (WECOM.md §3). */
export interface KfItem {
  msgid: string;
  open_kfid?: string;
  external_userid?: string;
  send_time: number;
  /** 3 client, 4 system event, 5 human servicer. */
  origin: number;
  servicer_userid?: string;
  msgtype: string;
  [payload: string]: unknown;
}

export interface KfSyncPage {
  nextCursor: string;
  hasMore: boolean;
  items: KfItem[];
}

/** Session states of service_state: 0 new, 1 bot, 2 queue pool, 3 human, 4 ended. */
export type KfServiceState = 0 | 1 | 2 | 3 | 4;

const SYNC_LIMIT = 1000;

/** Typed calls of the 微信客服 API (cgi-bin/kf/*) over the shared TencentApi client. */
export class KfApi {
  constructor(readonly api: TencentApi) {}

  async syncMsg(req: { openKfId: string; cursor?: string; token?: string }): Promise<KfSyncPage> {
    const answer = await this.api.post(
      '/cgi-bin/kf/sync_msg',
      {
        ...(req.cursor ? { cursor: req.cursor } : {}),
        ...(req.token ? { token: req.token } : {}),
        limit: SYNC_LIMIT,
        voice_format: 0,
        open_kfid: req.openKfId,
      },
      10_000,
    );
    const list = answer.msg_list ?? [];
    if (!Array.isArray(list) || (typeof answer.next_cursor !== 'string' && answer.next_cursor !== undefined)) {
      throw new TencentTransportError('kf/sync_msg answered without msg_list / next_cursor');
    }
    const items = list.filter((m): m is KfItem => typeof m === 'object' && m !== null && typeof (m as KfItem).msgid === 'string');
    return { nextCursor: String(answer.next_cursor ?? req.cursor ?? ''), hasMore: Number(answer.has_more) === 1, items };
  }

  sendMsg(body: Record<string, unknown>): Promise<ApiAnswer> {
    return this.api.post('/cgi-bin/kf/send_msg', body);
  }

  sendMsgOnEvent(body: Record<string, unknown>): Promise<ApiAnswer> {
    return this.api.post('/cgi-bin/kf/send_msg_on_event', body);
  }

  /** Moves the session; for 2/3/4 WeCom may hand back a msg_code for one send_msg_on_event. */
  async transState(req: {
    openKfId: string;
    externalUserId: string;
    state: KfServiceState;
    servicerUserId?: string;
  }): Promise<string | null> {
    const answer = await this.api.post('/cgi-bin/kf/service_state/trans', {
      open_kfid: req.openKfId,
      external_userid: req.externalUserId,
      service_state: req.state,
      ...(req.servicerUserId ? { servicer_userid: req.servicerUserId } : {}),
    });
    return typeof answer.msg_code === 'string' && answer.msg_code ? answer.msg_code : null;
  }

  async getState(openKfId: string, externalUserId: string): Promise<{ state: KfServiceState; servicerUserId: string | null }> {
    const answer = await this.api.post('/cgi-bin/kf/service_state/get', { open_kfid: openKfId, external_userid: externalUserId });
    return { state: Number(answer.service_state) as KfServiceState, servicerUserId: (answer.servicer_userid as string) ?? null };
  }
}

/** The kf API of the configured corp: token from cgi-bin/gettoken with the kf secret. */
export function createKfApi(services: Pick<Services, 'redis' | 'logger' | 'config'>, settings: WecomSettings): KfApi {
  const api = createAppClient(
    services,
    { name: 'wecom', id: settings.corpId, secret: settings.secret, baseUrl: settings.apiBase },
    (client) => () =>
      requestToken(
        () => client.request('GET', '/cgi-bin/gettoken', { query: { corpid: settings.corpId, corpsecret: settings.secret } }),
        'gettoken',
      ),
  );
  return new KfApi(api);
}

/** media/get of the same corp, through the kf API's client (its access_token and rate-limit counters). */
export function createKfMediaClient(kf: KfApi): TencentMediaClient {
  return new TencentMediaClient(kf.api);
}
