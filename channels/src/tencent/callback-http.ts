import express, { type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Logger } from '@brokerbot/shared';
import { CallbackBodyError, DEFAULT_BODY_LIMITS } from '../wecom/body';
import { WecomCryptoError } from '../wecom/crypto';
import type { ReplayGuard } from './replay-guard';

/** A callback we refuse: the HTTP status and a reason the operator can act on. */
export class CallbackRejection extends Error {
  override readonly name = 'CallbackRejection';
  constructor(
    readonly status: 400 | 401 | 403 | 413 | 415,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The raw body as bytes (the signature covers exact bytes), bounded like the parser's own limit. */
export const rawCallbackBody = express.raw({ type: () => true, limit: DEFAULT_BODY_LIMITS.maxBytes });

const ACCEPTED_TYPES = ['text/xml', 'application/xml', 'application/json', 'text/plain'];

/** Tencent posts XML or JSON; a form, multipart or anything else is not from Tencent. */
export function checkContentType(req: Request): void {
  const raw = req.headers['content-type'];
  if (!raw) return;
  const type = raw.split(';')[0]!.trim().toLowerCase();
  if (!ACCEPTED_TYPES.includes(type)) throw new CallbackRejection(415, `content type ${type} is not accepted (XML or JSON only)`);
}

/** One query parameter as a single string; absent or repeated is a malformed request. */
export function queryParam(req: Request, name: string, required: true): string;
export function queryParam(req: Request, name: string, required?: false): string | undefined;
export function queryParam(req: Request, name: string, required = false): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined || value === '') {
    if (required) throw new CallbackRejection(400, `query parameter ${name} is missing`);
    return undefined;
  }
  if (typeof value !== 'string') throw new CallbackRejection(400, `query parameter ${name} must appear once`);
  if (value.length > 4096) throw new CallbackRejection(400, `query parameter ${name} is too long`);
  return value;
}

export function bodyBytes(req: Request): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Maps what parsing and crypto throw to a 4xx; anything else is ours (500, logged as an error). */
export function toRejection(err: unknown): CallbackRejection | null {
  if (err instanceof CallbackRejection) return err;
  if (err instanceof CallbackBodyError) return new CallbackRejection(err.status, `${err.reason}: ${err.message}`);
  if (err instanceof WecomCryptoError) return new CallbackRejection(err.code === -40001 ? 401 : 400, err.message);
  return null;
}

/** Answers a refused callback with its reason (plain text) and logs it; nothing else happens. */
export function refuse(res: Response, logger: Logger, channel: string, req: Request, rejection: CallbackRejection): void {
  logger.warn(
    { channel, status: rejection.status, reason: rejection.reason, method: req.method, ip: req.ip, bytes: bodyBytes(req).length },
    'callback refused',
  );
  res.status(rejection.status).type('text/plain').send(rejection.reason);
}

/** The handler's catch: a refusal gets its 4xx and reason, anything else is ours (500, logged as an error). */
export function answerFailure(logger: Logger, channel: string): (req: Request, res: Response, err: unknown) => void {
  return (req, res, err) => {
    const rejection = toRejection(err);
    if (rejection) return refuse(res, logger, channel, req, rejection);
    logger.error({ err, channel }, 'callback failed');
    res.status(500).type('text/plain').send('internal error');
  };
}

/** timestamp and nonce of a signed callback URL, refused when outside the freshness window. */
export function freshTimestampAndNonce(
  req: Request,
  guard: Pick<ReplayGuard, 'staleness'>,
): { timestamp: string; nonce: string } {
  const timestamp = queryParam(req, 'timestamp', true);
  const nonce = queryParam(req, 'nonce', true);
  const stale = guard.staleness(timestamp);
  if (stale) throw new CallbackRejection(403, stale);
  return { timestamp, nonce };
}

/** Errors of the body reader itself (over the size limit, broken stream) answered like our own rejections. */
export function bodyReaderErrors(logger: Logger, channel: string): ErrorRequestHandler {
  return (err: { status?: number; type?: string; message?: string }, req, res, next) => {
    if (res.headersSent) return next(err);
    if (err.type === 'entity.too.large' || err.status === 413) {
      return refuse(res, logger, channel, req, new CallbackRejection(413, `body exceeds ${DEFAULT_BODY_LIMITS.maxBytes} bytes`));
    }
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
      return refuse(res, logger, channel, req, new CallbackRejection(400, `unreadable body: ${err.message ?? 'bad request'}`));
    }
    logger.error({ err, channel }, 'callback failed');
    res.status(500).type('text/plain').send('internal error');
  };
}
