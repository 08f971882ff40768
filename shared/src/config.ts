import { z } from 'zod';
import { REDIS_URL_PATTERN, redisTarget } from './redis-url';

/**
 * Every setting comes from the environment. Parsing fails at start-up with a message
 * that names the variable, so a misconfigured process never half-starts.
 */
const ROLE_NAMES = ['gateway', 'bot', 'router', 'outbound'] as const;
export type Role = (typeof ROLE_NAMES)[number];

/** A redis-sentinel:// URL that names its sentinels and master group (see redisTarget). */
function redisUrlParses(url: string): boolean {
  try {
    redisTarget(url);
    return true;
  } catch {
    return false;
  }
}

const secret = (name: string) =>
  z.string({ required_error: `${name} is required` }).min(32, `${name} must be at least 32 characters`);

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    MONGODB_URI: z
      .string({ required_error: 'MONGODB_URI is required' })
      .regex(/^mongodb(\+srv)?:\/\//, 'MONGODB_URI must start with mongodb:// or mongodb+srv://'),
    /** Set when MONGODB_URI is FerretDB on PostgreSQL: the PostgreSQL URL FerretDB runs on, so
     * that start-up can create the lookup indexes FerretDB cannot (see ensureFerretPgIndexes). */
    FERRETDB_POSTGRESQL_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'FERRETDB_POSTGRESQL_URL must start with postgres:// or postgresql://')
      .optional(),
    /** Database operations in flight at once per process (default: 100 on MongoDB, 10 on FerretDB on PostgreSQL). */
    MONGODB_MAX_POOL_SIZE: z.coerce.number().int().min(1).max(1000).optional(),
    REDIS_URL: z
      .string()
      .regex(REDIS_URL_PATTERN, 'REDIS_URL must start with redis://, rediss:// or redis-sentinel://')
      .refine(
        redisUrlParses,
        'REDIS_URL: a redis-sentinel:// URL lists host:port pairs and the master name, e.g. redis-sentinel://10.0.0.1:26379,10.0.0.2:26379/mymaster',
      )
      .default('redis://127.0.0.1:6379'),
    QUEUE_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/, 'QUEUE_PREFIX may use letters, digits, _ and -')
      .default('bb'),
    APP_TOKEN_SECRET: secret('APP_TOKEN_SECRET'),
    ADVISOR_TOKEN_SECRET: secret('ADVISOR_TOKEN_SECRET'),
    ADVISOR_TOKEN_TTL_S: z.coerce
      .number()
      .int()
      .positive()
      .default(12 * 3600),
    DEMO_MODE: z
      .enum(['0', '1', 'true', 'false'])
      .default('0')
      .transform((v) => v === '1' || v === 'true'),
    ROLES: z
      .string()
      .default(ROLE_NAMES.join(','))
      .transform((v, ctx) => {
        const roles = v
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        for (const r of roles) {
          if (!(ROLE_NAMES as readonly string[]).includes(r)) {
            ctx.addIssue({ code: 'custom', message: `ROLES has unknown role "${r}" (known: ${ROLE_NAMES.join(', ')})` });
          }
        }
        return roles as Role[];
      }),
    MAX_CHATS_PER_ADVISOR: z.coerce.number().int().min(1).max(50).default(5),
    OFFER_TIMEOUT_S: z.coerce.number().positive().default(30),
    INBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    /** Client messages being stored and queued at once per gateway process; beyond it the
     * client is told to retry (`busy`) instead of every message finishing late. */
    INGEST_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
    /** Client messages waiting for the bot beyond which the trading app is told `busy` (bounded
     * waiting instead of an ever longer queue); 0 turns it off. WeCom and the mini-program never refuse. */
    INBOUND_MAX_BACKLOG: z.coerce.number().int().min(0).max(1_000_000).default(100),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Escalation policy file (JSON); the bundled demo policy when unset. Reloaded on change. */
    ESCALATION_POLICY_PATH: z.string().min(1).optional(),
    /** Any OpenAI-compatible endpoint (self-hosted Qwen, DeepSeek, vLLM …). Optional: without it
     * every feature works on retrieval and rules. */
    OPENAI_BASE_URL: z.string().url('OPENAI_BASE_URL must be a URL such as http://127.0.0.1:8000/v1').optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4_000),
  })
  .superRefine((c, ctx) => {
    if (c.OPENAI_BASE_URL && !c.OPENAI_API_KEY)
      ctx.addIssue({
        code: 'custom',
        path: ['OPENAI_API_KEY'],
        message: 'OPENAI_API_KEY is required when OPENAI_BASE_URL is set',
      });
    if (c.OPENAI_BASE_URL && !c.OPENAI_MODEL)
      ctx.addIssue({ code: 'custom', path: ['OPENAI_MODEL'], message: 'OPENAI_MODEL is required when OPENAI_BASE_URL is set' });
  });

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = i.path.join('.');
        return i.message.includes(name) ? i.message : `${name}: ${i.message}`;
      }),
    );
  }
  return parsed.data;
}
