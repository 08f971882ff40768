import { createHmac, timingSafeEqual } from 'node:crypto';
import { UserError } from './errors';

/**
 * Compact HMAC-SHA256 signed tokens (`payload.signature`, both base64url), used for the
 * trading app's client sessions and for advisor sessions. Each use has its own secret and
 * a `kind`, so one kind of token is never accepted as the other.
 */
export interface TokenClaims {
  kind: 'client' | 'advisor';
  sub: string;
  exp: number; // seconds since epoch
}

function sign(data: string, secret: string): string {
  return createHmac('sha256', secret).update(data).digest('base64url');
}

export function signToken<T extends TokenClaims>(claims: T, secret: string): string {
  const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${body}.${sign(body, secret)}`;
}

export function verifyToken<T extends TokenClaims>(token: unknown, secret: string, kind: T['kind'], now = Date.now()): T {
  if (typeof token !== 'string' || token.length > 4096) throw new UserError('token_invalid', '令牌无效');
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined) throw new UserError('token_invalid', '令牌无效');
  const expected = Buffer.from(sign(body, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new UserError('token_invalid', '令牌无效');
  }
  let claims: T;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    throw new UserError('token_invalid', '令牌无效');
  }
  if (claims.kind !== kind || typeof claims.sub !== 'string') throw new UserError('token_invalid', '令牌无效');
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < now) throw new UserError('token_expired', '登录已过期，请重新登录');
  return claims;
}
