import type { Logger } from '@brokerbot/shared';
import type { AccessTokenCache } from './access-token';
import type { RateLimiter } from './rate-limiter';

/** Tencent answered with a non-zero errcode (HTTP 200). */
export class TencentApiError extends Error {
  override readonly name = 'TencentApiError';
  constructor(
    readonly api: string,
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`${api} failed: errcode ${errcode} ${errmsg}`);
  }
}

/** No usable answer at all (network, timeout, HTTP error, not JSON): worth retrying later. */
export class TencentTransportError extends Error {
  override readonly name = 'TencentTransportError';
}

/** access_token refused: WeCom 40014 (invalid) / 42001 (expired), mini-program 40001; 41001 missing. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 41001, 42001]);
export const SYSTEM_BUSY = -1;
const BUSY_RETRIES = 3;

export type ApiAnswer = Record<string, unknown> & { errcode?: number; errmsg?: string };

/** One try of a call: its result, or the errcode answer Tencent gave instead. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; answer: ApiAnswer };

/** Files (up to 20 MB) take longer than JSON answers. */
const FILE_TIMEOUT_MS = 60_000;

export interface TencentApiOptions {
  /** For logs and errors: "wecom" / "miniprogram". */
  name: string;
  baseUrl: string;
  limiter: RateLimiter;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * The HTTP client of one Tencent app: rate-limited per API, access_token attached and
 * refetched once when refused, "system busy" (-1) retried a bounded number of times. Every
 * other errcode is the caller's to judge (TencentApiError).
 */
export class TencentApi {
  private tokens: AccessTokenCache | undefined;
  readonly timeoutMs: number;

  constructor(private readonly options: TencentApiOptions) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /** The token cache is built on top of this client (its fetcher calls `request`), so it is attached afterwards. */
  useTokens(tokens: AccessTokenCache): void {
    this.tokens = tokens;
  }

  /** POST a JSON body to an API that needs ?access_token. */
  post(path: string, body: Record<string, unknown>, timeoutMs = this.timeoutMs): Promise<ApiAnswer> {
    return this.withToken(path, async (token) => {
      const answer = await this.request('POST', path, { query: { access_token: token }, body, timeoutMs });
      return Number(answer.errcode ?? 0) === 0 ? { ok: true, value: answer } : { ok: false, answer };
    });
  }

  /**
   * GET a file from an API that needs ?access_token (media/get): `read` turns the 200 response
   * into the file, or hands back the JSON error it holds, which is then treated as any answer.
   */
  getFile<T>(
    path: string,
    query: Record<string, string>,
    read: (res: Response) => Promise<Attempt<T>>,
    timeoutMs = FILE_TIMEOUT_MS,
  ): Promise<T> {
    return this.withToken(path, async (token) => {
      await this.options.limiter.take(path);
      const url = new URL(path, `${this.options.baseUrl}/`);
      for (const [k, v] of Object.entries({ ...query, access_token: token })) url.searchParams.set(k, v);
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        throw new TencentTransportError(`${this.options.name} ${path}: ${(err as Error).message}`);
      }
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        throw new TencentTransportError(`${this.options.name} ${path}: HTTP ${res.status}`);
      }
      return read(res);
    });
  }

  /**
   * Runs a call with the shared access_token: a refused token is refetched once, "system busy"
   * (-1) retried a bounded number of times; any other errcode becomes a TencentApiError.
   */
  private async withToken<T>(path: string, attempt: (token: string) => Promise<Attempt<T>>): Promise<T> {
    const tokens = this.tokens;
    if (!tokens) throw new Error(`${this.options.name}: no access-token cache attached`);
    let refetched = false;
    for (let busy = 0; ;) {
      const token = await tokens.get();
      const result = await attempt(token);
      if (result.ok) return result.value;
      const errcode = Number(result.answer.errcode ?? 0);
      if (TOKEN_ERRCODES.has(errcode) && !refetched) {
        refetched = true;
        this.options.logger.warn({ api: path, errcode }, `${this.options.name} access_token refused; fetching a new one`);
        await tokens.invalidate(token);
        continue;
      }
      if (errcode === SYSTEM_BUSY && busy < BUSY_RETRIES) {
        busy += 1;
        await sleep(200 * 2 ** (busy - 1));
        continue;
      }
      throw new TencentApiError(path, errcode, String(result.answer.errmsg ?? ''));
    }
  }

  /** One rate-limited HTTP call without token handling (token endpoints use it directly). */
  async request(
    method: 'GET' | 'POST',
    path: string,
    options: { query?: Record<string, string>; body?: Record<string, unknown>; timeoutMs?: number } = {},
  ): Promise<ApiAnswer> {
    await this.options.limiter.take(path);
    const url = new URL(path, `${this.options.baseUrl}/`);
    for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: method === 'POST' ? { 'content-type': 'application/json' } : undefined,
        body: method === 'POST' ? JSON.stringify(options.body ?? {}) : undefined,
        signal: AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs),
      });
    } catch (err) {
      throw new TencentTransportError(`${this.options.name} ${path}: ${(err as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    if (res.status !== 200) throw new TencentTransportError(`${this.options.name} ${path}: HTTP ${res.status}`);
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      return parsed as ApiAnswer;
    } catch {
      throw new TencentTransportError(`${this.options.name} ${path}: answer is not a JSON object`);
    }
  }
}

/** Retries a token request on -1 like any other call, and turns its errcodes into TencentApiError. */
export async function requestToken(
  call: () => Promise<ApiAnswer>,
  what: string,
): Promise<{ accessToken: string; expiresIn: number }> {
  for (let busy = 0; ; busy++) {
    const answer = await call();
    const errcode = Number(answer.errcode ?? 0);
    if (errcode === SYSTEM_BUSY && busy < BUSY_RETRIES) {
      await sleep(200 * 2 ** busy);
      continue;
    }
    if (errcode !== 0 || typeof answer.access_token !== 'string') {
      throw new TencentApiError(what, errcode, String(answer.errmsg ?? 'no access_token in the answer'));
    }
    return { accessToken: answer.access_token, expiresIn: Number(answer.expires_in ?? 7200) };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
