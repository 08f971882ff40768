import { request } from 'node:http';

/** One HTTP request Tencent makes to our callback URL. */
export interface CallbackRequest {
  /** Callback URL without the signature query (a query of its own is kept). */
  url: string;
  query: Record<string, string>;
  method: 'GET' | 'POST';
  body: string;
  contentType: string;
  /** Leave '+' unencoded in the query, as Tencent sometimes does (URL verification). */
  rawPlus?: boolean;
}

export interface DeliveryPolicy {
  /** How long Tencent waits for an answer before it gives up on an attempt (5 s in production). */
  timeoutMs: number;
  /** Attempts in total, the first included (3 in production). */
  maxAttempts: number;
  /** Pause between a failed attempt and the next one. */
  retryDelayMs: number;
  /** Whether an answer counts as received; default: HTTP 200. */
  accepts?: (status: number, body: string) => boolean;
}

export const TENCENT_DELIVERY: DeliveryPolicy = { timeoutMs: 5000, maxAttempts: 3, retryDelayMs: 0 };

export interface AttemptReport {
  attempt: number;
  status?: number;
  body?: string;
  /** Network error, or "timeout" when no answer came within timeoutMs. */
  error?: string;
  accepted: boolean;
  durationMs: number;
}

export interface DeliveryReport {
  request: CallbackRequest;
  delivered: boolean;
  attempts: AttemptReport[];
}

const MAX_ANSWER_BYTES = 64 * 1024;

/** Delivers one callback with Tencent's retry behaviour: retry until accepted, at most maxAttempts times. */
export async function deliverCallback(req: CallbackRequest, policy: DeliveryPolicy): Promise<DeliveryReport> {
  const attempts: AttemptReport[] = [];
  const accepts = policy.accepts ?? ((status) => status === 200);
  for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
    if (attempt > 1 && policy.retryDelayMs > 0) await sleep(policy.retryDelayMs);
    const started = Date.now();
    const answer = await attemptOnce(req, policy.timeoutMs);
    const accepted = answer.status !== undefined && accepts(answer.status, answer.body ?? '');
    attempts.push({ attempt, ...answer, accepted, durationMs: Date.now() - started });
    if (accepted) return { request: req, delivered: true, attempts };
  }
  return { request: req, delivered: false, attempts };
}

export function callbackUrl(req: CallbackRequest): URL {
  const url = new URL(req.url);
  for (const [key, value] of Object.entries(req.query)) url.searchParams.set(key, value);
  if (req.rawPlus) url.search = url.search.replace(/%2B/g, '+');
  return url;
}

function attemptOnce(req: CallbackRequest, timeoutMs: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: { status?: number; body?: string; error?: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const body = Buffer.from(req.body, 'utf8');
    // A fresh connection per attempt (agent: false), and the connection is dropped on timeout, as Tencent does.
    const outgoing = request(
      callbackUrl(req),
      {
        method: req.method,
        agent: false,
        headers:
          req.method === 'POST'
            ? { 'content-type': req.contentType, 'content-length': body.length, 'user-agent': 'Mozilla/4.0' }
            : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= MAX_ANSWER_BYTES) chunks.push(chunk);
        });
        res.on('end', () => finish({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (err) => finish({ error: err.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: 'timeout' });
      outgoing.destroy();
    }, timeoutMs);
    outgoing.on('error', (err) => finish({ error: err.message }));
    outgoing.end(req.method === 'POST' ? body : undefined);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
