import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessTokenStore } from './access-tokens';
import type { ApiGuard } from './api-guard';
import type { Clock } from './clock';

/** A Tencent-style JSON answer: HTTP 200 with errcode/errmsg, whatever the outcome. */
export type ApiResult = { errcode: number; errmsg: string } & Record<string, unknown>;

export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  /** Parsed JSON body of a POST (an object), or {} for GET. */
  body: Record<string, unknown>;
}

/** A download (media/get): the bytes with their HTTP headers instead of a JSON answer. */
export interface BinaryResult {
  binary: Buffer;
  headers: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Requires a valid ?access_token (every API except the token endpoints). */
  auth: boolean;
  handler: (req: ApiRequest) => ApiResult | BinaryResult;
}

/** One served call, kept for inspection by tests. */
export interface ApiCall {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  body: Record<string, unknown>;
  response: ApiResult;
}

export const MAX_REQUEST_BYTES = 1024 * 1024;

function isBinary(result: ApiResult | BinaryResult): result is BinaryResult {
  return Buffer.isBuffer((result as BinaryResult).binary);
}

export function ok(extra: Record<string, unknown> = {}): ApiResult {
  return { errcode: 0, errmsg: 'ok', ...extra };
}

export function fail(errcode: number, errmsg: string): ApiResult {
  return { errcode, errmsg };
}

/**
 * The HTTP side of a simulator: routes by path, checks the access token and the guard (rate
 * limit, injected busy), parses JSON bodies and logs every call. Listens on 127.0.0.1 only.
 */
export class ApiServer {
  readonly calls: ApiCall[] = [];
  private server: Server | undefined;
  private baseUrl: string | undefined;

  constructor(
    private readonly routes: Record<string, Route>,
    private readonly deps: { clock: Clock; tokens: AccessTokenStore; guard: ApiGuard },
  ) {}

  get url(): string {
    if (!this.baseUrl) throw new Error('simulator is not listening; call start() first');
    return this.baseUrl;
  }

  async listen(port = 0): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server?.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = this.routes[url.pathname];
    if (!route) return send(res, 404, fail(404, `no such API: ${url.pathname}`));
    if (req.method !== route.method) return send(res, 405, fail(43002, `require ${route.method}`));
    let body: Record<string, unknown> = {};
    try {
      const raw = await readBody(req, MAX_REQUEST_BYTES);
      if (route.method === 'POST') body = parseJsonObject(raw);
    } catch (err) {
      return send(res, 200, fail(47001, `data format error: ${(err as Error).message}`));
    }
    let response: ApiResult | BinaryResult;
    try {
      response = this.handle(route, { method: route.method, path: url.pathname, query: url.searchParams, body });
    } catch (err) {
      // A simulator bug must show up in the test as a failed call, not crash the process.
      return send(res, 500, fail(-1, `simulator error: ${(err as Error).message}`));
    }
    this.calls.push({
      at: this.deps.clock.now(),
      method: route.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      body,
      response: isBinary(response) ? ok({ bytes: response.binary.length }) : response,
    });
    if (isBinary(response)) {
      res.writeHead(200, { ...response.headers, 'content-length': response.binary.length });
      res.end(response.binary);
    } else send(res, 200, response);
  }

  private handle(route: Route, req: ApiRequest): ApiResult | BinaryResult {
    if (route.auth) {
      const errcode = this.deps.tokens.check(req.query.get('access_token'));
      if (errcode !== 0) return fail(errcode, tokenErrmsg(errcode));
    }
    const refused = this.deps.guard.check(req.path);
    if (refused) return { ...refused };
    return route.handler(req);
  }
}

function tokenErrmsg(errcode: number): string {
  if (errcode === 41001) return 'access_token missing';
  if (errcode === 42001) return 'access_token expired';
  return 'invalid access_token';
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`request body over ${maxBytes} bytes`));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const value: unknown = JSON.parse(raw.toString('utf8') || '{}');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('body must be a JSON object');
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: ApiResult): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}
