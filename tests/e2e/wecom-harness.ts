import { randomBytes } from 'node:crypto';
import { newEncodingAESKey } from '@brokerbot/channels/src/simulators/demo';
import { WecomKfSimulator, type WecomKfSimulatorOptions } from '@brokerbot/channels/src/simulators';
import { cleanUp, startTestSystem, testEnv, type TestSystem } from '../support/test-system';

/**
 * A test system with the WeCom 微信客服 channel configured against a loopback simulator of
 * qyapi: real HTTP both ways (Tencent → our callback URL, our client → the simulated API),
 * real Redis, real FerretDB.
 */
export const KF = 'wkTestKf0000000000000000000000001';

export interface WecomCredentials {
  corpId: string;
  secret: string;
  token: string;
  aesKey: string;
}

export function wecomCredentials(): WecomCredentials {
  return {
    corpId: `ww${randomBytes(8).toString('hex')}`,
    secret: randomBytes(16).toString('hex'),
    token: randomBytes(8).toString('hex'),
    aesKey: newEncodingAESKey(),
  };
}

export function wecomEnv(creds: WecomCredentials, apiBase: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    WECOM_CORP_ID: creds.corpId,
    WECOM_SECRET: creds.secret,
    WECOM_TOKEN: creds.token,
    WECOM_AES_KEY: creds.aesKey,
    WECOM_OPEN_KFID: KF,
    WECOM_API_BASE: apiBase,
    ...extra,
  };
}

export async function startWecomSim(
  creds: WecomCredentials,
  options: Partial<WecomKfSimulatorOptions> = {},
): Promise<WecomKfSimulator> {
  return WecomKfSimulator.start({
    corpId: creds.corpId,
    corpSecret: creds.secret,
    openKfIds: [KF],
    callback: { token: creds.token, encodingAESKey: creds.aesKey },
    ...options,
  });
}

export interface WecomTestSystem {
  sys: TestSystem;
  sim: WecomKfSimulator;
  creds: WecomCredentials;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startWecomSystem(
  options: { env?: Record<string, string>; sim?: Partial<WecomKfSimulatorOptions> } = {},
): Promise<WecomTestSystem> {
  const creds = wecomCredentials();
  const sim = await startWecomSim(creds, options.sim);
  const env = testEnv(wecomEnv(creds, sim.url, options.env));
  const sys = await startTestSystem(env);
  if (sys.url) sim.setCallbackUrl(`${sys.url}/channels/wecom/callback`);
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

/** Polls until `probe` returns something truthy (no fixed sleeps: it returns as soon as it holds). */
export async function waitFor<T>(probe: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the system has nothing left to do: no kf pull running here and no job waiting or
 * running in the queues this system works on. What has not happened by then will not happen.
 */
export async function settled(sys: TestSystem): Promise<void> {
  const { queues } = sys.services;
  const worked = [
    ...(sys.config.ROLES.includes('bot') ? [queues.inbound] : []),
    ...(sys.config.ROLES.includes('outbound') ? [queues.outbound] : []),
  ];
  const busy = async () => {
    await sys.channels.wecom?.puller.idle();
    for (const queue of worked) {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) > 0) return true;
    }
    return false;
  };
  // Twice in a row: a job finishing may enqueue the next one.
  await waitFor(async () => !(await busy()) && !(await busy()), 'the system to settle');
}
