import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { MiniProgramSimulator } from './miniprogram-simulator';
import { WecomKfSimulator } from './wecom-kf-simulator';

export interface DemoSimulators {
  kf: WecomKfSimulator;
  miniprogram: MiniProgramSimulator;
  /** The credentials the product must be configured with to talk to these simulators. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts both simulators for demo mode. Credentials come from `env` (the same variable names
 * the product reads) or are generated; callbacks go to WECOM_CALLBACK_URL / MP_PUSH_URL.
 */
export async function startDemoSimulators(env: NodeJS.ProcessEnv = process.env): Promise<DemoSimulators> {
  const cfg = {
    WECOM_CORP_ID: env.WECOM_CORP_ID ?? 'wwdemo0000000000',
    WECOM_KF_SECRET: env.WECOM_KF_SECRET ?? randomBytes(16).toString('hex'),
    WECOM_CALLBACK_TOKEN: env.WECOM_CALLBACK_TOKEN ?? randomBytes(8).toString('hex'),
    WECOM_ENCODING_AES_KEY: env.WECOM_ENCODING_AES_KEY ?? newEncodingAESKey(),
    WECOM_OPEN_KFID: env.WECOM_OPEN_KFID ?? 'wkDemoKf000000000000000000000000',
    MP_APP_ID: env.MP_APP_ID ?? 'wxdemo0000000000',
    MP_APP_SECRET: env.MP_APP_SECRET ?? randomBytes(16).toString('hex'),
    MP_PUSH_TOKEN: env.MP_PUSH_TOKEN ?? randomBytes(8).toString('hex'),
    MP_ENCODING_AES_KEY: env.MP_ENCODING_AES_KEY ?? newEncodingAESKey(),
  };
  const kf = await WecomKfSimulator.start({
    corpId: cfg.WECOM_CORP_ID,
    corpSecret: cfg.WECOM_KF_SECRET,
    openKfIds: [cfg.WECOM_OPEN_KFID],
    callback: { url: env.WECOM_CALLBACK_URL, token: cfg.WECOM_CALLBACK_TOKEN, encodingAESKey: cfg.WECOM_ENCODING_AES_KEY },
    port: Number(env.WECOM_SIM_PORT ?? 0),
  });
  const miniprogram = await MiniProgramSimulator.start({
    appId: cfg.MP_APP_ID,
    appSecret: cfg.MP_APP_SECRET,
    push: {
      url: env.MP_PUSH_URL,
      token: cfg.MP_PUSH_TOKEN,
      encodingAESKey: cfg.MP_ENCODING_AES_KEY,
      mode: 'safe',
      format: 'json',
    },
    port: Number(env.MP_SIM_PORT ?? 0),
  });
  return {
    kf,
    miniprogram,
    env: { ...cfg, WECOM_API_BASE: kf.url, MP_API_BASE: miniprogram.url },
    stop: async () => {
      await Promise.all([kf.stop(), miniprogram.stop()]);
    },
  };
}

/** A fresh EncodingAESKey: 32 random bytes, base64 without the trailing "=" (43 characters). */
export function newEncodingAESKey(): string {
  return randomBytes(32).toString('base64').slice(0, 43);
}

/**
 * CLI: `tsx channels/src/simulators/demo.ts` prints the configuration, then each stdin line
 * "kf <external_userid> <text>" or "mp <openid> <text>" plays a client message.
 */
async function main(): Promise<void> {
  const sims = await startDemoSimulators();
  console.log('WeCom kf and mini-program simulators are running:');
  for (const [key, value] of Object.entries(sims.env)) console.log(`  ${key}=${value}`);
  console.log('Type "kf <external_userid> <text>" or "mp <openid> <text>".');
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const [channel, user, ...words] = line.trim().split(/\s+/);
    const text = words.join(' ');
    if (!user || !text || (channel !== 'kf' && channel !== 'mp')) return console.log('usage: kf|mp <user> <text>');
    const sent =
      channel === 'kf'
        ? sims.kf.simulateClientMessage({ externalUserId: user, text })
        : sims.miniprogram.simulateClientMessage({ openId: user, text });
    void sent.then((r) => console.log(`  delivered: ${r.deliveries.map((d) => d.delivered).join(', ') || 'no callback URL'}`));
  });
  const stop = () => void sims.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
