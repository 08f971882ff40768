import OpenAI from 'openai';
import type { Logger } from '@brokerbot/shared';
import { CircuitBreaker } from './circuit-breaker';

export interface LlmConfig {
  baseURL: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

export type ChatMessage = { role: 'system' | 'user' | 'assistant'; content: string };

/**
 * Any OpenAI-compatible chat endpoint, used only where it helps and never where it could
 * block: every call has a hard timeout, no retries (the caller has a rule-based fallback),
 * and a circuit breaker so that a dead endpoint costs nothing after three failures.
 * Returns null instead of throwing: "no LLM answer" is a normal outcome.
 */
export class LlmClient {
  private readonly client: OpenAI;
  readonly breaker = new CircuitBreaker(3, 30_000);

  constructor(
    private readonly config: LlmConfig,
    private readonly logger: Logger,
  ) {
    this.client = new OpenAI({ baseURL: config.baseURL, apiKey: config.apiKey, timeout: config.timeoutMs, maxRetries: 0 });
  }

  async complete(messages: ChatMessage[], options: { maxTokens?: number; temperature?: number } = {}): Promise<string | null> {
    if (!this.breaker.allow()) return null;
    try {
      const res = await this.client.chat.completions.create(
        { model: this.config.model, messages, max_tokens: options.maxTokens ?? 400, temperature: options.temperature ?? 0.2 },
        { signal: AbortSignal.timeout(this.config.timeoutMs) },
      );
      const text = res.choices[0]?.message?.content?.trim();
      if (!text) throw new Error('empty completion');
      this.breaker.success();
      return text;
    } catch (err) {
      this.breaker.failure();
      this.logger.warn({ err: (err as Error).message, breaker: this.breaker.state }, 'LLM call failed; using the fallback');
      return null;
    }
  }

  /** Streams a completion, calling onDelta with each piece; resolves to the full text, or null on failure. */
  async stream(
    messages: ChatMessage[],
    onDelta: (piece: string) => void,
    options: { maxTokens?: number } = {},
  ): Promise<string | null> {
    if (!this.breaker.allow()) return null;
    let text = '';
    try {
      const stream = await this.client.chat.completions.create(
        { model: this.config.model, messages, max_tokens: options.maxTokens ?? 400, temperature: 0.2, stream: true },
        { signal: AbortSignal.timeout(this.config.timeoutMs) },
      );
      for await (const chunk of stream) {
        const piece = chunk.choices[0]?.delta?.content ?? '';
        if (piece) {
          text += piece;
          onDelta(piece);
        }
      }
      if (!text.trim()) throw new Error('empty completion');
      this.breaker.success();
      return text.trim();
    } catch (err) {
      this.breaker.failure();
      this.logger.warn({ err: (err as Error).message, breaker: this.breaker.state }, 'LLM stream failed; using the fallback');
      return null;
    }
  }
}

/** The client when an endpoint is configured, else null (every feature then runs on rules). */
export function createLlmClient(
  config: { OPENAI_BASE_URL?: string; OPENAI_API_KEY?: string; OPENAI_MODEL?: string; LLM_TIMEOUT_MS: number },
  logger: Logger,
): LlmClient | null {
  if (!config.OPENAI_BASE_URL || !config.OPENAI_API_KEY || !config.OPENAI_MODEL) return null;
  return new LlmClient(
    {
      baseURL: config.OPENAI_BASE_URL,
      apiKey: config.OPENAI_API_KEY,
      model: config.OPENAI_MODEL,
      timeoutMs: config.LLM_TIMEOUT_MS,
    },
    logger,
  );
}
