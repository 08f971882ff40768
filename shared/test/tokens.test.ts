import { signToken, verifyToken, type TokenClaims } from '../src/tokens';

const secret = 's'.repeat(40);
const claims = (over: Partial<TokenClaims> = {}): TokenClaims => ({
  kind: 'client',
  sub: 'C1001',
  exp: Math.floor(Date.now() / 1000) + 60,
  ...over,
});

describe('signed tokens', () => {
  it('round-trips the claims', () => {
    expect(verifyToken(signToken(claims(), secret), secret, 'client')).toMatchObject({ sub: 'C1001' });
  });

  it('rejects a token signed with another secret, tampered, expired or of another kind', () => {
    const token = signToken(claims(), secret);
    expect(() => verifyToken(token, 'x'.repeat(40), 'client')).toThrow('令牌无效');
    const [body, mac] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims(), sub: 'C9999' })).toString('base64url');
    expect(() => verifyToken(`${forged}.${mac}`, secret, 'client')).toThrow('令牌无效');
    expect(() => verifyToken(`${body}.${mac}.x`, secret, 'client')).toThrow('令牌无效');
    expect(() => verifyToken(signToken(claims({ exp: 1 }), secret), secret, 'client')).toThrow('登录已过期');
    expect(() => verifyToken(token, secret, 'advisor')).toThrow('令牌无效');
    expect(() => verifyToken(undefined, secret, 'client')).toThrow('令牌无效');
  });
});
