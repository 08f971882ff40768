import type { Logger } from '@brokerbot/shared';
import { TencentApiError } from '../tencent/api-client';
import type { MpApi, TypingCommand } from './mp-api';

/** 45080 no recent interaction, 45081 already typing, 45072 bad command: nothing to retry. */
const HARMLESS = new Set([45072, 45080, 45081]);

/**
 * The "对方正在输入" indicator in the client's chat: Typing when the bot starts a turn or the
 * advisor types, CancelTyping when the advisor stops (a sent message cancels it by itself).
 * Best effort: a failure never holds up a message.
 */
export class MpTyping {
  constructor(
    private readonly api: MpApi,
    private readonly logger: Logger,
  ) {}

  async set(openId: string, command: TypingCommand): Promise<void> {
    try {
      await this.api.typing(openId, command);
    } catch (err) {
      if (err instanceof TencentApiError && HARMLESS.has(err.errcode)) return;
      this.logger.warn({ err, command }, 'mini-program typing indicator failed');
    }
  }
}
