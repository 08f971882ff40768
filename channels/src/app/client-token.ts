import { signToken, verifyToken, type TokenClaims } from '@brokerbot/shared';

/**
 * The trading app's session token for the chat: the brokerage's app backend signs it with
 * APP_TOKEN_SECRET after its own login, naming the client (their client number) and branch.
 */
export interface ClientClaims extends TokenClaims {
  kind: 'client';
  /** The brokerage client number (Customer._id). */
  sub: string;
  branchId: string | null;
  name?: string;
}

export function mintClientToken(
  secret: string,
  client: { customerId: string; branchId: string | null; name?: string },
  ttlSeconds = 24 * 3600,
): string {
  const claims: ClientClaims = {
    kind: 'client',
    sub: client.customerId,
    branchId: client.branchId,
    name: client.name,
    exp: Math.floor(Date.now() / 1000) + ttlSeconds,
  };
  return signToken(claims, secret);
}

export function verifyClientToken(token: unknown, secret: string): ClientClaims {
  return verifyToken<ClientClaims>(token, secret, 'client');
}
