import { Router, type Request } from 'express';
import type { Logger } from '@brokerbot/shared';
import type { MiniProgramSettings } from '../channel-config';
import {
  answerFailure,
  bodyBytes,
  bodyReaderErrors,
  CallbackRejection,
  checkContentType,
  freshTimestampAndNonce,
  queryParam,
  rawCallbackBody,
} from '../tencent/callback-http';
import type { ReplayGuard } from '../tencent/replay-guard';
import { detectBodyFormat, parseBody, parseEncryptedEnvelope, type BodyObject } from '../wecom/body';
import { openCallback, verifyPlainSignature } from '../wecom/crypto';

export const MINIPROGRAM_CALLBACK_PATH = '/channels/miniprogram/callback';

export interface MpCallbackDeps {
  settings: MiniProgramSettings;
  guard: ReplayGuard;
  logger: Logger;
  /** A verified, first-seen push; resolves once it is stored and queued (the answer waits for it). */
  onPush(fields: BodyObject): Promise<{ after?: () => void }>;
}

/**
 * The mini-program's message push. GET: URL verification (3-part signature, echo echostr).
 * POST: plaintext mode (3-part signature) when no MINIPROGRAM_AES_KEY is set; with a key every
 * push must come in safe mode (encrypt_type=aes, 4-part msg_signature over the ciphertext,
 * AppID as receive id), so nobody can downgrade to the unencrypted form. JSON or XML, MsgId
 * kept exact. "success" once the message is stored and queued.
 */
export function miniProgramCallbackRouter(deps: MpCallbackDeps): Router {
  const { settings, guard, logger } = deps;
  const router = Router();

  const fail = answerFailure(logger, 'miniprogram');
  const timed = (req: Request) => freshTimestampAndNonce(req, guard);

  router.get(MINIPROGRAM_CALLBACK_PATH, (req, res) => {
    try {
      const { timestamp, nonce } = timed(req);
      const signature = queryParam(req, 'signature', true);
      const echostr = queryParam(req, 'echostr', true);
      if (!verifyPlainSignature(settings.token, timestamp, nonce, signature))
        throw new CallbackRejection(401, 'signature does not match');
      res.status(200).type('text/plain').send(echostr);
    } catch (err) {
      fail(req, res, err);
    }
  });

  router.post(MINIPROGRAM_CALLBACK_PATH, rawCallbackBody, async (req, res) => {
    try {
      checkContentType(req);
      const { timestamp, nonce } = timed(req);
      const raw = bodyBytes(req);
      if (raw.length === 0) throw new CallbackRejection(400, 'empty body');
      const format = detectBodyFormat(req.headers['content-type'], raw);
      const safe = queryParam(req, 'encrypt_type') === 'aes';
      let fields: BodyObject;
      let signature: string;
      if (safe) {
        if (!settings.aesKey) throw new CallbackRejection(400, 'safe-mode push, but MINIPROGRAM_AES_KEY is not configured');
        signature = queryParam(req, 'msg_signature', true);
        const { encrypt } = parseEncryptedEnvelope(raw, format);
        const plain = openCallback(
          { token: settings.token, encodingAESKey: settings.aesKey, receiveId: settings.appId },
          { msgSignature: signature, timestamp, nonce, encrypt },
        );
        fields = parseBody(plain, detectBodyFormat(undefined, plain));
      } else {
        if (settings.aesKey)
          throw new CallbackRejection(
            400,
            'plaintext push refused: MINIPROGRAM_AES_KEY is set, so pushes must come in safe mode (encrypt_type=aes)',
          );
        signature = queryParam(req, 'signature', true);
        if (!verifyPlainSignature(settings.token, timestamp, nonce, signature))
          throw new CallbackRejection(401, 'signature does not match');
        fields = parseBody(raw, format);
      }
      if (!(await guard.claim('miniprogram', timestamp, nonce, signature))) {
        logger.info('mini-program push seen before; ignored');
        res.status(200).type('text/plain').send('success');
        return;
      }
      let outcome: { after?: () => void };
      try {
        outcome = await deps.onPush(fields);
      } catch (err) {
        await guard.unclaim('miniprogram', timestamp, nonce, signature);
        throw err;
      }
      res.status(200).type('text/plain').send('success');
      outcome.after?.();
    } catch (err) {
      fail(req, res, err);
    }
  });

  router.use(MINIPROGRAM_CALLBACK_PATH, bodyReaderErrors(logger, 'miniprogram'));
  return router;
}
