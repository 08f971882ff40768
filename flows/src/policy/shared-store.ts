import path from 'node:path';
import { DEFAULT_POLICY_PATH, PolicyStore } from './policy-store';

/**
 * One watched PolicyStore per policy file and process: the bot, the router and the evaluation
 * read the same store instead of each polling the file. Callers subscribe() for their own
 * logging and unsubscribe on close; the watcher itself does not keep the process alive.
 */
const stores = new Map<string, PolicyStore>();

/** The file in force: the given one, else ESCALATION_POLICY_PATH, else the bundled policy. */
export function policyFile(file?: string): string {
  return path.resolve(file || process.env.ESCALATION_POLICY_PATH || DEFAULT_POLICY_PATH);
}

export function sharedPolicyStore(file?: string): PolicyStore {
  const resolved = policyFile(file);
  let store = stores.get(resolved);
  if (!store) {
    store = new PolicyStore(resolved).watch();
    stores.set(resolved, store);
  }
  return store;
}
