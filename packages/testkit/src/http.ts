import http from 'node:http';

/** A plain HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/**
 * One request over a fresh connection to 127.0.0.1, read whole.
 * @param url - the URL.
 * @param init - method, headers, body.
 */
export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** `POST /publish` with a JSON body (or raw text when `body` is a string). */
export function publish(baseUrl: string, body: unknown): Promise<HttpAnswer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return request(`${baseUrl}/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: text,
  });
}

/** `GET /stats`, parsed. */
export async function stats(baseUrl: string): Promise<Record<string, number>> {
  const answer = await request(`${baseUrl}/stats`);
  return answer.json as Record<string, number>;
}

/** Polls `check` until it returns true or the deadline passes; then throws with `what`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
