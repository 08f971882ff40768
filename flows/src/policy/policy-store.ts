import { readFileSync, statSync, unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import { policySchema, type EscalationPolicy } from './schema';

export const DEFAULT_POLICY_PATH = path.join(__dirname, '..', '..', 'data', 'policy', 'escalation.json');

export class PolicyError extends Error {}

/** Reads and validates a policy file; the error names the file and every bad field. */
export function readPolicy(file: string): EscalationPolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`escalation policy ${file} is not readable JSON: ${(err as Error).message}`);
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyError(
      `escalation policy ${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

/**
 * The policy in force, reloaded when its file changes (polled, so it works on every file
 * system and with editors that replace the file). A bad edit is reported through `onError`
 * and the previous policy stays in force: a typo never turns escalation off.
 */
export class PolicyStore {
  private policy: EscalationPolicy;
  private watching = false;

  constructor(
    readonly file = DEFAULT_POLICY_PATH,
    private readonly onChange: (event: { version: string } | { error: Error }) => void = () => undefined,
  ) {
    this.policy = readPolicy(file);
  }

  get current(): EscalationPolicy {
    return this.policy;
  }

  /** Re-reads the file now; returns whether the new policy was taken. */
  reload(): boolean {
    try {
      this.policy = readPolicy(this.file);
      this.onChange({ version: this.policy.version });
      return true;
    } catch (err) {
      this.onChange({ error: err as Error });
      return false;
    }
  }

  watch(intervalMs = 2_000): this {
    if (!this.watching) {
      statSync(this.file);
      watchFile(this.file, { interval: intervalMs, persistent: false }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs) this.reload();
      });
      this.watching = true;
    }
    return this;
  }

  close(): void {
    if (this.watching) unwatchFile(this.file);
    this.watching = false;
  }
}
