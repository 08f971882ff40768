import { randomBytes } from 'node:crypto';
import { newEncodingAESKey } from '@brokerbot/channels/src/simulators/demo';
import { MiniProgramSimulator, type PushMode } from '@brokerbot/channels/src/simulators';
import { cleanUp, startTestSystem, testEnv, type TestSystem } from '../support/test-system';

/**
 * A test system with the mini-program channel configured against a loopback simulator of
 * api.weixin.qq.com that pushes to our URL (plaintext or safe mode, JSON or XML).
 */
export interface MpTestSystem {
  sys: TestSystem;
  sim: MiniProgramSimulator;
  creds: { appId: string; secret: string; token: string; aesKey: string };
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startMpSystem(options: {
  mode: PushMode;
  format: 'json' | 'xml';
  env?: Record<string, string>;
}): Promise<MpTestSystem> {
  const creds = {
    appId: `wx${randomBytes(8).toString('hex')}`,
    secret: randomBytes(16).toString('hex'),
    token: randomBytes(8).toString('hex'),
    aesKey: newEncodingAESKey(),
  };
  const sim = await MiniProgramSimulator.start({
    appId: creds.appId,
    appSecret: creds.secret,
    push: { token: creds.token, encodingAESKey: creds.aesKey, mode: options.mode, format: options.format },
  });
  const env = testEnv({
    MINIPROGRAM_APPID: creds.appId,
    MINIPROGRAM_SECRET: creds.secret,
    MINIPROGRAM_TOKEN: creds.token,
    ...(options.mode === 'plain' ? {} : { MINIPROGRAM_AES_KEY: creds.aesKey }),
    MINIPROGRAM_API_BASE: sim.url,
    ...options.env,
  });
  const sys = await startTestSystem(env);
  sim.setPushUrl(`${sys.url}/channels/miniprogram/callback`);
  return {
    sys,
    sim,
    creds,
    env,
    async stop() {
      await sys.stop();
      await sim.stop();
      await cleanUp(sys.config);
    },
  };
}

export { settled, waitFor } from './wecom-harness';
