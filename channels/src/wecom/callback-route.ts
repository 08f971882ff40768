import { Router, type Request } from 'express';
import type { Logger } from '@brokerbot/shared';
import type { WecomSettings } from '../channel-config';
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
import { detectBodyFormat, parseBody, parseEncryptedEnvelope, stringField, type BodyObject } from './body';
import { openCallback, restoreBase64Plus, type CallbackCredentials } from './crypto';

export const WECOM_CALLBACK_PATH = '/channels/wecom/callback';

export interface WecomCallbackDeps {
  settings: WecomSettings;
  guard: ReplayGuard;
  logger: Logger;
  /** A verified, decrypted, first-seen event. Must be quick: the answer waits for it (WeCom allows 5 s). */
  onEvent(event: BodyObject): Promise<void>;
}

/**
 * GET: URL verification (answer the decrypted echostr within 1 s). POST: an encrypted event; we
 * answer an empty 200 as soon as it is verified and recorded, and the work (sync_msg) runs after.
 * Anything forged, stale, malformed or hostile gets a 4xx with the reason and changes nothing.
 */
export function wecomCallbackRouter(deps: WecomCallbackDeps): Router {
  const { settings, guard, logger } = deps;
  const credentials: CallbackCredentials = { token: settings.token, encodingAESKey: settings.aesKey, receiveId: settings.corpId };
  const router = Router();

  const fail = answerFailure(logger, 'wecom');
  // The signature covers timestamp, nonce and the ciphertext: all three come from the URL.
  const signed = (req: Request) => ({
    msgSignature: queryParam(req, 'msg_signature', true),
    ...freshTimestampAndNonce(req, guard),
  });

  router.get(WECOM_CALLBACK_PATH, (req, res) => {
    try {
      const query = signed(req);
      const echostr = restoreBase64Plus(queryParam(req, 'echostr', true));
      res
        .status(200)
        .type('text/plain')
        .send(openCallback(credentials, { ...query, encrypt: echostr }));
    } catch (err) {
      fail(req, res, err);
    }
  });

  router.post(WECOM_CALLBACK_PATH, rawCallbackBody, async (req, res) => {
    try {
      checkContentType(req);
      const query = signed(req);
      const raw = bodyBytes(req);
      if (raw.length === 0) throw new CallbackRejection(400, 'empty body');
      const envelope = parseEncryptedEnvelope(raw, detectBodyFormat(req.headers['content-type'], raw));
      const plain = openCallback(credentials, { ...query, encrypt: envelope.encrypt });
      const event = parseBody(plain, detectBodyFormat(undefined, plain));
      // Authentic from here on. A request seen before (a replay, or a retry of one we handled) changes nothing.
      if (!(await guard.claim('wecom', query.timestamp, query.nonce, query.msgSignature))) {
        logger.info({ event: stringField(event, 'Event') }, 'wecom callback seen before; ignored');
        res.status(200).send('');
        return;
      }
      try {
        await deps.onEvent(event);
      } catch (err) {
        // Let WeCom's retry through: it is not a replay of something we handled.
        await guard.unclaim('wecom', query.timestamp, query.nonce, query.msgSignature);
        throw err;
      }
      res.status(200).send('');
    } catch (err) {
      fail(req, res, err);
    }
  });

  router.use(WECOM_CALLBACK_PATH, bodyReaderErrors(logger, 'wecom'));
  return router;
}
