import { ConfigError } from '@brokerbot/shared';
import { loadChannelConfig } from '../src/channel-config';

const WECOM = {
  WECOM_CORP_ID: 'ww1436e0e65a779aee',
  WECOM_TOKEN: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  WECOM_AES_KEY: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  WECOM_SECRET: 'kf-secret',
  WECOM_OPEN_KFID: 'wkAJ2GCAAASSm4_FhToWMFea0xAFfd3Q',
};
const MP = { MINIPROGRAM_APPID: 'wx5823bf96d3bd56c7', MINIPROGRAM_SECRET: 'mp-secret', MINIPROGRAM_TOKEN: 'QDG6eK' };

function problems(env: Record<string, string>): string[] {
  try {
    loadChannelConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('channel configuration', () => {
  it('disables a channel whose variables are absent, with defaults for the rest', () => {
    expect(loadChannelConfig({})).toEqual({
      wecom: null,
      miniprogram: null,
      callbackMaxSkewS: 300,
      defaultBranchId: null,
      simulators: false,
    });
    // An API base alone does not turn a channel on.
    expect(loadChannelConfig({ WECOM_API_BASE: 'http://127.0.0.1:1' }).wecom).toBeNull();
  });

  it('enables a fully configured channel with its defaults', () => {
    const c = loadChannelConfig({ ...WECOM, ...MP, WECOM_OPEN_KFID: `${WECOM.WECOM_OPEN_KFID}, wkSecond` });
    expect(c.wecom).toEqual({
      corpId: WECOM.WECOM_CORP_ID,
      token: WECOM.WECOM_TOKEN,
      aesKey: WECOM.WECOM_AES_KEY,
      secret: 'kf-secret',
      openKfIds: [WECOM.WECOM_OPEN_KFID, 'wkSecond'],
      apiBase: 'https://qyapi.weixin.qq.com',
      handoffMode: 'proxy',
    });
    expect(c.miniprogram).toEqual({
      appId: MP.MINIPROGRAM_APPID,
      secret: 'mp-secret',
      token: 'QDG6eK',
      aesKey: null,
      apiBase: 'https://api.weixin.qq.com',
    });
  });

  it('fails start-up naming each missing variable of a half-configured channel', () => {
    const { WECOM_SECRET: _s, WECOM_OPEN_KFID: _k, ...partial } = WECOM;
    const found = problems(partial);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^WECOM_SECRET is required/);
    expect(found[1]).toMatch(/^WECOM_OPEN_KFID is required/);
    // The AES key alone shows the intent to run the mini-program channel.
    expect(problems({ MINIPROGRAM_AES_KEY: WECOM.WECOM_AES_KEY }).map((p) => p.split(' ')[0])).toEqual([
      'MINIPROGRAM_APPID',
      'MINIPROGRAM_SECRET',
      'MINIPROGRAM_TOKEN',
    ]);
  });

  it('names a malformed value', () => {
    expect(problems({ ...WECOM, WECOM_AES_KEY: 'short' })).toEqual([
      'WECOM_AES_KEY must be the 43-character EncodingAESKey from the admin console',
    ]);
    expect(problems({ ...WECOM, WECOM_HANDOFF_MODE: 'both' })).toEqual(['WECOM_HANDOFF_MODE must be proxy or native']);
    expect(problems({ CALLBACK_MAX_SKEW_S: '-1' })[0]).toMatch(/CALLBACK_MAX_SKEW_S|greater than or equal/);
    expect(problems({ ...MP, MINIPROGRAM_API_BASE: 'ftp://x' })[0]).toMatch(/^MINIPROGRAM_API_BASE must be an http\(s\) URL/);
  });

  it('takes CALLBACK_MAX_SKEW_S=0 (replaying recorded vectors) and native handoff', () => {
    const c = loadChannelConfig({
      ...WECOM,
      CALLBACK_MAX_SKEW_S: '0',
      WECOM_HANDOFF_MODE: 'native',
      WECOM_API_BASE: 'http://127.0.0.1:9/',
    });
    expect(c.callbackMaxSkewS).toBe(0);
    expect(c.wecom).toMatchObject({ handoffMode: 'native', apiBase: 'http://127.0.0.1:9' });
  });

  it('allows the demo simulators only in demo mode and without real credentials', () => {
    expect(loadChannelConfig({ CHANNEL_SIMULATORS: '1' }, { demoMode: true }).simulators).toBe(true);
    expect(problems({ CHANNEL_SIMULATORS: '1', ...MP })[0]).toMatch(/CHANNEL_SIMULATORS/);
    expect(() => loadChannelConfig({ CHANNEL_SIMULATORS: '1' }, { demoMode: false })).toThrow(/demo mode only/);
  });
});
