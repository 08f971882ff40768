import { payloadAndAck } from '../src/advisor-namespace';
import { tokenStands } from '../src/advisor-session';
import { mintAdvisorToken, verifyAdvisorToken } from '../src/advisor-token';

describe('a console event’s payload and ack', () => {
  const ack = () => undefined;

  it('takes a lone callback for the ack, not the payload', () => {
    expect(payloadAndAck([ack])).toEqual({ payload: undefined, ack });
  });

  it('takes the payload and the ack when both are sent', () => {
    expect(payloadAndAck([{ handoffId: 'x' }, ack])).toEqual({ payload: { handoffId: 'x' }, ack });
  });

  it('answers nobody when no callback is sent', () => {
    const { payload, ack: reply } = payloadAndAck([{ a: 1 }]);
    expect(payload).toEqual({ a: 1 });
    expect(() => reply({ ok: true })).not.toThrow();
    expect(payloadAndAck([]).payload).toBeUndefined();
  });
});

describe('whether an advisor token stands', () => {
  const claims = { sub: 'a'.repeat(24), name: '王芳', role: 'advisor' as const, branchId: 'SH01', allBranches: false };

  it('carries the account’s token version from login', () => {
    const token = mintAdvisorToken('secret', { ...claims, tokenVersion: 3 }, 60);
    expect(verifyAdvisorToken(token, 'secret').tokenVersion).toBe(3);
  });

  it('stands only for an active account with the same version', () => {
    expect(tokenStands({ tokenVersion: 3 }, { active: true, tokenVersion: 3 })).toBe(true);
    expect(tokenStands({ tokenVersion: 3 }, { active: true, tokenVersion: 4 })).toBe(false);
    expect(tokenStands({ tokenVersion: 3 }, { active: false, tokenVersion: 3 })).toBe(false);
    expect(tokenStands({ tokenVersion: 3 }, null)).toBe(false);
  });

  it('reads a token without a version as version 0 (issued before versions existed)', () => {
    expect(tokenStands({}, { active: true, tokenVersion: 0 })).toBe(true);
    expect(tokenStands({}, { active: true, tokenVersion: 1 })).toBe(false);
  });
});
