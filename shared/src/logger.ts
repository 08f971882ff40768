import pino, { type DestinationStream, type Logger } from 'pino';
import { maskPII } from './pii';

export type { Logger };

/** Deep-copies a log argument, masking personal data in every string it holds. */
function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPII(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: maskPII(value.message), stack: value.stack };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = redact(v, depth + 1);
  return out;
}

/**
 * A pino logger that never writes an ID-card, phone or bank-card number: pino's own
 * `redact` works on known paths, but client text can carry personal data anywhere.
 */
export function createLogger(
  level: string = process.env.LOG_LEVEL ?? 'info',
  name = 'brokerbot',
  destination?: DestinationStream,
): Logger {
  return pino(
    {
      name,
      level,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redact(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
