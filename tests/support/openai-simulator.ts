import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback OpenAI-compatible endpoint (POST /v1/chat/completions, JSON and SSE streaming)
 * for tests: the real `openai` client and our LlmClient talk to it over HTTP.
 */
export type SimMode = 'ok' | 'http500' | 'slow' | 'empty' | 'unauthorized';

export interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  max_tokens?: number;
}

export class OpenAiSimulator {
  mode: SimMode = 'ok';
  slowMs = 10_000;
  readonly requests: ChatRequest[] = [];
  reply: (req: ChatRequest) => string = () => '好的。';
  private server: Server | null = null;

  constructor(readonly apiKey = 'sk-sim-test') {}

  get baseURL(): string {
    const { port } = this.server!.address() as AddressInfo;
    return `http://127.0.0.1:${port}/v1`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const body = await new Promise<string>((resolve) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => resolve(data));
    });
    const json = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return json(404, { error: { message: 'not found' } });
    if (req.headers.authorization !== `Bearer ${this.apiKey}` || this.mode === 'unauthorized') {
      return json(401, {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      });
    }
    const request = JSON.parse(body) as ChatRequest;
    this.requests.push(request);
    if (this.mode === 'http500') return json(500, { error: { message: 'The server had an error', type: 'server_error' } });
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    const text = this.mode === 'empty' ? '' : this.reply(request);
    const id = `chatcmpl-sim${this.requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    if (request.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const piece of text.match(/.{1,8}/gsu) ?? []) {
        res.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })}\n\n`,
        );
      }
      res.write(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
      return;
    }
    json(200, {
      id,
      object: 'chat.completion',
      created,
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
    });
  }
}
