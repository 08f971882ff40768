import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request our stand-in callback endpoint received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** Query as a server decodes it (URLSearchParams: '+' becomes a space). */
  query: Record<string, string>;
  rawQuery: string;
  contentType: string | undefined;
  body: string;
  at: number;
}

export type Reply = { status?: number; body?: string; delayMs?: number } | 'hang';
export type Responder = (req: ReceivedRequest, index: number) => Reply;

/** A real HTTP server on 127.0.0.1 playing our callback endpoint, scripted per request. */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  respond: Responder = () => ({ status: 200, body: '' });
  baseUrl = '';
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly server: Server = createServer((req, res) => void this.handle(req, res));

  static async start(): Promise<TestReceiver> {
    const receiver = new TestReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', () => resolve()));
    receiver.baseUrl = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  url(path = '/callback'): string {
    return `${this.baseUrl}${path}`;
  }

  reset(): void {
    this.requests.length = 0;
    this.respond = () => ({ status: 200, body: '' });
  }

  waitForRequests(count: number, timeoutMs = 5000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`expected ${count} requests, got ${this.requests.length}`)), timeoutMs);
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const received: ReceivedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      rawQuery: url.search.slice(1),
      contentType: req.headers['content-type'],
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    const index = this.requests.push(received) - 1;
    this.waiters = this.waiters.filter((w) => (this.requests.length >= w.count ? (w.resolve(), false) : true));
    let reply: Reply;
    try {
      reply = this.respond(received, index);
    } catch (err) {
      reply = { status: 500, body: (err as Error).message };
    }
    if (reply === 'hang') return; // never answer: the sender must time out
    if (reply.delayMs) {
      // Stop waiting when the sender gives up (it drops the connection on timeout).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, reply.delayMs);
        res.once('close', () => (clearTimeout(timer), resolve()));
      });
    }
    if (res.destroyed) return;
    res.writeHead(reply.status ?? 200, { 'content-type': 'text/plain' });
    res.end(reply.body ?? '');
  }
}
