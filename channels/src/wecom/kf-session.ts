import type { Redis } from 'ioredis';
import type { ConversationDoc, Logger, Services } from '@brokerbot/shared';
import { TencentApiError } from '../tencent/api-client';
import type { KfApi, KfServiceState } from './kf-api';

const TTL_S = 2 * 24 * 3600;
const TRANSITION_NOT_ALLOWED = 95016;

interface Wanted {
  state: KfServiceState;
  servicer?: string;
}

const encode = (w: Wanted) => (w.servicer ? `${w.state}:${w.servicer}` : String(w.state));

/**
 * Native handoff mode (WECOM_HANDOFF_MODE=native): the WeCom session follows our conversation.
 * Escalated → 2 (queue pool), an advisor accepts → 3 with the advisor's WeCom userid, handed back
 * to the bot → 4 (ended). The move is made just before the next message goes out, and a move that
 * yields a msg_code lets that message go through send_msg_on_event (send_msg is refused in 2/3).
 * In proxy mode (default) the session stays with the API and nothing here calls WeCom.
 */
export class KfSessionSync {
  constructor(
    private readonly deps: {
      redis: Redis;
      db: Services['db'];
      kf: KfApi;
      logger: Logger;
      keyPrefix: string;
      mode: 'proxy' | 'native';
    },
  ) {}

  private key(openKfId: string, user: string): string {
    return `${this.deps.keyPrefix}:svc:${openKfId}:${user}`;
  }

  /** WeCom reported a move (session_status_change): remember it so we do not move it back blindly. */
  async observed(openKfId: string, user: string, state: KfServiceState, servicer: string | null): Promise<void> {
    if (this.deps.mode !== 'native') return;
    await this.deps.redis.set(this.key(openKfId, user), encode({ state, servicer: servicer ?? undefined }), 'EX', TTL_S);
  }

  /** Moves the session to match the conversation, if it must move; returns the msg_code WeCom gave for it. */
  async align(conversation: ConversationDoc, openKfId: string): Promise<string | null> {
    if (this.deps.mode !== 'native') return null;
    const user = conversation.externalUserId;
    const key = this.key(openKfId, user);
    const applied = await this.deps.redis.get(key);
    const target = await this.wanted(conversation, applied);
    if (!target || encode(target) === applied) return null;
    // One step per message: each move yields one msg_code, which carries one message. A chat
    // accepted before the escalation notice went out still passes through the pool (2), so that
    // both the notice and the advisor's greeting reach the client.
    const inPool = applied?.startsWith('2') || applied?.startsWith('3');
    const wanted: Wanted = target.state === 3 && !inPool ? { state: 2 } : target;
    try {
      const code = await this.deps.kf.transState({
        openKfId,
        externalUserId: user,
        state: wanted.state,
        servicerUserId: wanted.servicer,
      });
      await this.deps.redis.set(key, encode(wanted), 'EX', TTL_S);
      this.deps.logger.info({ openKfId, state: wanted.state }, 'kf session moved (native handoff)');
      return code;
    } catch (err) {
      if (!(err instanceof TencentApiError) || err.errcode !== TRANSITION_NOT_ALLOWED) throw err;
      // Someone moved it in WeCom meanwhile: learn where it is and leave it there.
      const now = await this.deps.kf.getState(openKfId, user);
      await this.deps.redis.set(key, encode({ state: now.state, servicer: now.servicerUserId ?? undefined }), 'EX', TTL_S);
      return null;
    }
  }

  private async wanted(conversation: ConversationDoc, applied: string | null): Promise<Wanted | null> {
    if (conversation.state === 'queued') return { state: 2 };
    if (conversation.state === 'human') {
      const advisor = conversation.advisorId
        ? await this.deps.db.Advisor.findById(conversation.advisorId, { wecomUserId: 1 }).lean()
        : null;
      if (advisor?.wecomUserId) return { state: 3, servicer: advisor.wecomUserId };
      this.deps.logger.warn(
        { advisorId: conversation.advisorId },
        'advisor has no wecomUserId: the kf session stays in the queue pool',
      );
      return { state: 2 };
    }
    // Back with the bot: end the human session we opened, so that the API may send again.
    return applied?.startsWith('2') || applied?.startsWith('3') ? { state: 4 } : null;
  }
}
