import { WatchedFile, readJsonFile, type WatchedFileEvent } from '@brokerbot/shared';
import path from 'node:path';
import { policySchema, type EscalationPolicy } from './schema';

export const DEFAULT_POLICY_PATH = path.join(__dirname, '..', '..', 'data', 'policy', 'escalation.json');

export class PolicyError extends Error {}

/** Reads and validates a policy file; the error names the file and every bad field. */
export function readPolicy(file: string): EscalationPolicy {
  return readJsonFile(file, policySchema, 'escalation policy', (message) => new PolicyError(message));
}

export type PolicyEvent = WatchedFileEvent;

/**
 * The policy in force, reloaded when its file changes (see WatchedFile). A bad edit is reported to
 * the listeners and the previous policy stays in force: a typo never turns escalation off.
 */
export class PolicyStore extends WatchedFile<EscalationPolicy> {
  constructor(file = DEFAULT_POLICY_PATH, onChange?: (event: PolicyEvent) => void) {
    super(file, readPolicy);
    if (onChange) this.subscribe(onChange);
  }
}
