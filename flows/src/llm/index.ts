export { LlmClient, createLlmClient, type ChatMessage, type LlmConfig } from './llm-client';
export { CircuitBreaker } from './circuit-breaker';
export {
  groundedAnswer,
  summarizeForAdvisor,
  suggestReplies,
  type Passage,
  type GroundedAnswer,
  type TranscriptLine,
} from './assist';
export { showableDraft, type DraftSink } from './draft';
