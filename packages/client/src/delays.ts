/** `setTimeout` takes at most 2^31 - 1 ms; a longer delay would fire at once. */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * The wait before attempt `n` (1 for the first failure in a row): a random time up to
 * `min(cap, base * 2^n)` ("full jitter"), so clients that failed together spread out. A server's
 * `retry` above the cap raises it: the server asked for at least that much room.
 * @param n - failures in a row, from 1.
 * @param base - the reconnection time (`retry`), floored at 100 ms so `retry: 0` still backs off.
 * @param cap - `maxRetryMs`.
 */
export function backoff(n: number, base: number, cap: number): number {
  return Math.random() * Math.min(Math.max(cap, base), Math.max(base, 100) * 2 ** n);
}

/**
 * A `Retry-After` value in ms: delay-seconds, or an HTTP date (a past one is 0); `undefined`
 * when absent or unreadable. RFC 9110 §10.2.3. The caller caps it at {@link MAX_DELAY}.
 * @param value - the header's value.
 */
export function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.max(ms, 0);
}
