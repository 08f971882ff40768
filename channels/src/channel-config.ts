import { z } from 'zod';
import { ConfigError } from '@brokerbot/shared';
import { parseEncodingAESKey } from './wecom/crypto';

/**
 * Settings of the WeCom 微信客服 and mini-program channels, from the environment. A channel whose
 * required variables are all absent is disabled; one with some but not all of them stops the
 * process with a message naming each missing variable (a half-configured channel would accept
 * callbacks it cannot answer).
 */

const WECOM_REQUIRED = ['WECOM_CORP_ID', 'WECOM_TOKEN', 'WECOM_AES_KEY', 'WECOM_SECRET', 'WECOM_OPEN_KFID'] as const;
const MINIPROGRAM_REQUIRED = ['MINIPROGRAM_APPID', 'MINIPROGRAM_SECRET', 'MINIPROGRAM_TOKEN'] as const;
/** Optional variables that still show the intent to run the channel (API bases alone do not). */
const WECOM_SIGNS = WECOM_REQUIRED;
const MINIPROGRAM_SIGNS = [...MINIPROGRAM_REQUIRED, 'MINIPROGRAM_AES_KEY'] as const;

const present = (v: unknown) => typeof v === 'string' && v.trim() !== '';
const optionalText = z.preprocess((v) => (present(v) ? String(v).trim() : undefined), z.string().optional());

const aesKey = (name: string) =>
  z.string().refine(
    (v) => {
      try {
        parseEncodingAESKey(v);
        return true;
      } catch {
        return false;
      }
    },
    { message: `${name} must be the 43-character EncodingAESKey from the admin console` },
  );

const apiBase = (name: string, fallback: string) =>
  z.preprocess(
    (v) => (present(v) ? String(v).trim().replace(/\/+$/, '') : fallback),
    z.string().regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, `${name} must be an http(s) URL such as ${fallback}`),
  );

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .default('0')
  .transform((v) => v === '1' || v === 'true');

const schema = z.object({
  WECOM_CORP_ID: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'WECOM_CORP_ID looks wrong (ww… corp id)')
      .optional(),
  ),
  WECOM_TOKEN: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/, 'WECOM_TOKEN must be 1–32 letters or digits')
      .optional(),
  ),
  WECOM_AES_KEY: optionalText.pipe(aesKey('WECOM_AES_KEY').optional()),
  WECOM_SECRET: optionalText,
  /** The kf accounts (open_kfid) we serve, comma-separated; the first is the default sender. */
  WECOM_OPEN_KFID: optionalText.transform((v) =>
    v
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
  WECOM_API_BASE: apiBase('WECOM_API_BASE', 'https://qyapi.weixin.qq.com'),
  WECOM_HANDOFF_MODE: z.enum(['proxy', 'native'], { message: 'WECOM_HANDOFF_MODE must be proxy or native' }).default('proxy'),
  MINIPROGRAM_APPID: optionalText.pipe(
    z
      .string()
      .regex(/^wx[0-9a-zA-Z]{8,30}$/, 'MINIPROGRAM_APPID must look like wx…')
      .optional(),
  ),
  MINIPROGRAM_SECRET: optionalText,
  MINIPROGRAM_TOKEN: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9]{3,32}$/, 'MINIPROGRAM_TOKEN must be 3–32 letters or digits')
      .optional(),
  ),
  MINIPROGRAM_AES_KEY: optionalText.pipe(aesKey('MINIPROGRAM_AES_KEY').optional()),
  MINIPROGRAM_API_BASE: apiBase('MINIPROGRAM_API_BASE', 'https://api.weixin.qq.com'),
  /** Callbacks whose timestamp is further than this from our clock are refused; 0 turns the check off (replaying recorded vectors). */
  CALLBACK_MAX_SKEW_S: z.coerce
    .number({ message: 'CALLBACK_MAX_SKEW_S must be a number of seconds' })
    .int()
    .min(0)
    .max(86_400)
    .default(300),
  /** Branch that serves WeCom / mini-program clients not bound to a brokerage client number. */
  CHANNEL_DEFAULT_BRANCH: optionalText,
  /** Demo only (`npm start` sets it when no channel is configured): loopback simulators stand in for Tencent. */
  CHANNEL_SIMULATORS: flag,
});

export interface WecomSettings {
  corpId: string;
  token: string;
  aesKey: string;
  secret: string;
  openKfIds: string[];
  apiBase: string;
  handoffMode: 'proxy' | 'native';
}

export interface MiniProgramSettings {
  appId: string;
  secret: string;
  token: string;
  /** Absent: plaintext mode only. Present: every push must come in safe mode (no downgrade). */
  aesKey: string | null;
  apiBase: string;
}

export interface ChannelConfig {
  wecom: WecomSettings | null;
  miniprogram: MiniProgramSettings | null;
  callbackMaxSkewS: number;
  defaultBranchId: string | null;
  simulators: boolean;
}

/** The required variables of each channel, for start-up messages. */
export const CHANNEL_VARIABLES = { wecom: WECOM_REQUIRED, miniprogram: MINIPROGRAM_REQUIRED } as const;

export function loadChannelConfig(env: NodeJS.ProcessEnv = process.env, options: { demoMode?: boolean } = {}): ChannelConfig {
  const problems = [
    ...partialSet('WeCom 微信客服', WECOM_REQUIRED, WECOM_SIGNS, env),
    ...partialSet('mini-program', MINIPROGRAM_REQUIRED, MINIPROGRAM_SIGNS, env),
  ];
  const parsed = schema.safeParse(env);
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => i.message));
  if (problems.length) throw new ConfigError(problems);
  const c = parsed.data!;
  const wecomOn = WECOM_REQUIRED.some((k) => present(env[k]));
  const mpOn = MINIPROGRAM_REQUIRED.some((k) => present(env[k]));
  if (c.CHANNEL_SIMULATORS && (wecomOn || mpOn)) {
    throw new ConfigError(['CHANNEL_SIMULATORS=1 stands in for Tencent: unset it or the WECOM_* / MINIPROGRAM_* variables']);
  }
  if (c.CHANNEL_SIMULATORS && options.demoMode === false) {
    throw new ConfigError(['CHANNEL_SIMULATORS=1 is for demo mode only (DEMO_MODE=1)']);
  }
  if (wecomOn && c.WECOM_OPEN_KFID!.some((id) => !/^[A-Za-z0-9_-]{1,64}$/.test(id))) {
    throw new ConfigError(['WECOM_OPEN_KFID must be open_kfid values (wk…) separated by commas']);
  }
  return {
    wecom: wecomOn
      ? {
          corpId: c.WECOM_CORP_ID!,
          token: c.WECOM_TOKEN!,
          aesKey: c.WECOM_AES_KEY!,
          secret: c.WECOM_SECRET!,
          openKfIds: c.WECOM_OPEN_KFID!,
          apiBase: c.WECOM_API_BASE,
          handoffMode: c.WECOM_HANDOFF_MODE,
        }
      : null,
    miniprogram: mpOn
      ? {
          appId: c.MINIPROGRAM_APPID!,
          secret: c.MINIPROGRAM_SECRET!,
          token: c.MINIPROGRAM_TOKEN!,
          aesKey: c.MINIPROGRAM_AES_KEY ?? null,
          apiBase: c.MINIPROGRAM_API_BASE,
        }
      : null,
    callbackMaxSkewS: c.CALLBACK_MAX_SKEW_S,
    defaultBranchId: c.CHANNEL_DEFAULT_BRANCH ?? null,
    simulators: c.CHANNEL_SIMULATORS,
  };
}

/** Some but not all of a channel's variables: name every missing required one. */
function partialSet(channel: string, required: readonly string[], signs: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const set = signs.filter((k) => present(env[k]));
  if (set.length === 0) return [];
  return required
    .filter((k) => !present(env[k]))
    .map((k) => `${k} is required: the ${channel} channel is configured (${set.join(', ')} set) but ${k} is missing`);
}
