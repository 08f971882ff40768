import { z } from 'zod';
import { REDIS_URL_PATTERN, redisTarget } from './redis-url';
import { DURATION_BOUNDS_S } from './dashboard/dashboard-counts';

/**
 * Every setting comes from the environment. Parsing fails at start-up with a message
 * that names the variable, so a misconfigured process never half-starts.
 */
const ROLE_NAMES = ['gateway', 'bot', 'router', 'outbound', 'quality'] as const;
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

/** A dashboard SLA threshold in seconds: one of the duration bins' bounds, so breaches are counted exactly. */
const slaSeconds = (name: string, fallback: number) =>
  z.coerce
    .number()
    .refine((v) => DURATION_BOUNDS_S.includes(v), `${name} must be one of ${DURATION_BOUNDS_S.join(', ')} (seconds)`)
    .default(fallback);

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
    /** Intent → skill file (JSON, see agent-console/data/routing/skills.json, the default); reloaded on change. */
    ROUTING_SKILLS_PATH: z.string().min(1).optional(),
    /** Seconds a chat waits for an advisor of its branch with the skill before any advisor of the branch is offered it. */
    ROUTING_BRANCH_WAIT_S: z.coerce.number().min(0).max(3600).default(30),
    /** Seconds a chat waits (from escalation) before the central team (advisors of every branch with the skill) is offered it. */
    ROUTING_CENTRAL_WAIT_S: z.coerce.number().min(0).max(7200).default(90),
    /** Seconds without a request from an advisor's console after which the advisor shows as away (no offers); 0 turns it off. */
    ADVISOR_IDLE_AWAY_S: z.coerce.number().min(0).max(86_400).default(600),
    /** Least seconds between two queue-position messages to a waiting client (an improved position is told at most this often). */
    QUEUE_UPDATE_MIN_S: z.coerce.number().min(1).max(3600).default(30),
    /** Wrap-up categories an advisor picks from when closing a chat (comma-separated). */
    WRAP_UP_CATEGORIES: z
      .string()
      .default('咨询解答,业务办理,投诉处理,风险提示,其他')
      .transform((v) => [
        ...new Set(
          v
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        ),
      ])
      .pipe(
        z
          .array(z.string().max(20, 'WRAP_UP_CATEGORIES: each category at most 20 characters'))
          .min(1, 'WRAP_UP_CATEGORIES must name at least one category'),
      ),
    /** Seconds a satisfaction survey waits for the client's answer after an advisor's chat closed; 0: no surveys. */
    SURVEY_EXPIRE_S: z.coerce
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
    INBOUND_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
    /** Client messages being stored and queued at once per gateway process; beyond it the
     * client is told to retry (`busy`) instead of every message finishing late. */
    INGEST_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(100_000).default(256),
    /** Client messages waiting for the bot below which the trading app is never told `busy` (bounded
     * waiting instead of an ever longer queue, see INBOUND_MAX_WAIT_S); 0 turns it off. WeCom and
     * the mini-program never refuse. */
    INBOUND_MAX_BACKLOG: z.coerce.number().int().min(0).max(1_000_000).default(100),
    /** Beyond INBOUND_MAX_BACKLOG, app clients are told `busy` only when the bots, at the pace they
     * are answering, would take longer than this to reach a new message (seconds). */
    INBOUND_MAX_WAIT_S: z.coerce.number().min(0.1).max(600).default(2),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** Escalation policy file (JSON); the bundled demo policy when unset. Reloaded on change. */
    ESCALATION_POLICY_PATH: z.string().min(1).optional(),
    /** Inspection scorecard file (JSON, see agent-console/data/quality/scorecard.json, the default); reloaded on change. */
    QUALITY_SCORECARD_PATH: z.string().min(1).optional(),
    /** A new scorecard version re-scores the chats closed within this many days (0: only chats closing from then on). */
    QUALITY_RESCORE_DAYS: z.coerce.number().int().min(0).max(366).default(7),
    /** Dashboard (看板): queue wait (escalation → accepted) above this many seconds counts as an SLA breach. */
    DASHBOARD_SLA_WAIT_S: slaSeconds('DASHBOARD_SLA_WAIT_S', 60),
    /** Dashboard: the advisor's first reply later than this many seconds after accepting counts as an SLA breach. */
    DASHBOARD_SLA_FIRST_RESPONSE_S: slaSeconds('DASHBOARD_SLA_FIRST_RESPONSE_S', 30),
    /** Any OpenAI-compatible endpoint (self-hosted Qwen, DeepSeek, vLLM …). Optional: without it
     * every feature works on retrieval and rules. */
    OPENAI_BASE_URL: z.string().url('OPENAI_BASE_URL must be a URL such as http://127.0.0.1:8000/v1').optional(),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_MODEL: z.string().min(1).optional(),
    LLM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4_000),
    /** Practice (智能陪练) scenario folder (JSON files, see agent-console/data/practice/scenarios, the default). */
    PRACTICE_SCENARIOS_DIR: z.string().min(1).optional(),
    /** Milliseconds the simulated client waits after the advisor's last message before answering (the advisor may write on). */
    PRACTICE_REPLY_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1_500),
    /** Seconds without an advisor answer after which the simulated client counts as ignored and writes again; 0 turns it off. */
    PRACTICE_IDLE_S: z.coerce.number().int().min(0).max(3_600).default(90),
    /**
     * Records retention (agent-console/src/records/retention.ts): conversations whose last activity
     * is older than this many days are purged daily, unless under a legal hold. Default 7305 days
     * (20 years): 《证券法》 keeps a broker's client and business records at least 20 years (README, Records).
     */
    RETENTION_DAYS: z.coerce
      .number({ invalid_type_error: 'RETENTION_DAYS must be a whole number of days' })
      .int('RETENTION_DAYS must be a whole number of days')
      .min(1, 'RETENTION_DAYS must be at least 1 (day)')
      .max(36_525, 'RETENTION_DAYS must be at most 36525 (100 years)')
      .default(7305),
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
