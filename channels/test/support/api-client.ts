/** Minimal JSON calls to a simulator, over real HTTP (what an adapter's HTTP client does). */
export type Json = Record<string, unknown> & { errcode?: number; errmsg?: string };

export async function getJson(baseUrl: string, path: string, query: Record<string, string> = {}): Promise<Json> {
  const url = new URL(path, baseUrl);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url);
  return (await res.json()) as Json;
}

export async function postJson(baseUrl: string, path: string, accessToken: string | undefined, body: unknown): Promise<Json> {
  const url = new URL(path, baseUrl);
  if (accessToken !== undefined) url.searchParams.set('access_token', accessToken);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Json;
}
