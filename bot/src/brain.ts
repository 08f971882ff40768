import { KnowledgeBase, Nlu, sharedPolicyStore, createLlmClient, type LlmClient, type PolicyStore } from '@brokerbot/flows';
import type { Config, Logger } from '@brokerbot/shared';

/** What the bot knows and how it judges, loaded once per process (~1 s). */
export interface Brain {
  nlu: Nlu;
  kb: KnowledgeBase;
  policy: PolicyStore;
  llm: LlmClient | null;
  close(): void;
}

export function loadBrain(config: Config, logger: Logger): Brain {
  const started = Date.now();
  // The process's one store for this file (shared with the router); the NLU reports signals only.
  const policy = sharedPolicyStore(config.ESCALATION_POLICY_PATH);
  const unsubscribe = policy.subscribe((event) => {
    if ('error' in event)
      logger.error({ err: event.error.message }, 'escalation policy edit rejected; previous policy stays in force');
    else logger.info({ version: event.version }, 'escalation policy reloaded');
  });
  const nlu = Nlu.load();
  const kb = KnowledgeBase.load();
  const llm = createLlmClient(config, logger);
  logger.info(
    {
      ms: Date.now() - started,
      kbEntries: kb.size,
      policy: policy.current.version,
      llm: llm ? config.OPENAI_MODEL : 'off (rules and retrieval only)',
    },
    'bot brain loaded',
  );
  return { nlu, kb, policy, llm, close: () => void unsubscribe() };
}
