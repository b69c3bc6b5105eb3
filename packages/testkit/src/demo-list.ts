import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './demo.js';

/** Every demo that follows the contract, by folder under `examples/`. */
export const ALL_DEMOS = ['node-http', 'express', 'fastify', 'koa', 'hono', 'bun', 'deno'] as const;

/**
 * Where a demo's runtime answers differently from Node's HTTP server, and what the suites check
 * instead: each field names one difference, documented per runtime in `docs/frameworks.md`. A
 * field left out means the Node behaviour is expected.
 */
export interface RuntimeDifferences {
  /**
   * The `Connection` header of a stream's answer to a client that sent `Connection: close` (the
   * suites' clients do). `'keep-alive'`: the demo's own header goes out alone. `'close'`: the
   * runtime honours the client and sends `connection: close` itself (Deno, whose HTTP/1.1 layer
   * would add it beside a `keep-alive` set by the demo, so the Deno demo sets none then).
   * @default 'keep-alive'
   */
  connectionOnClose?: 'keep-alive' | 'close';
  /**
   * What a request whose chunked body is malformed (a chunk size that is not hex) gets.
   * `'400'`: the HTTP parser's `400`. `'closed'`: the connection is closed without an answer
   * (Deno: its parser has already handed the request to the handler, and fails the body read).
   * @default '400'
   */
  malformedBody?: '400' | 'closed';
  /**
   * What a body over the publish limit gets when the framework refuses it before reading it.
   * `'413'`: always its answer (the demo reads the refused body on). `'413-or-reset'`: now and then
   * a reset that loses the answer (Fastify's own `bodyLimit` answers at once, and the connection
   * is closed under a client still sending).
   * @default '413'
   */
  overLimit?: '413' | '413-or-reset';
  /**
   * The ids a stream on several topics gets. `'event'`: each event's own id. `'cursor'`: a group
   * cursor (`encodeGroupCursor` in `@ssekit/core`) with a position per topic, as on a Redis
   * Cluster where each topic is its own ordering group; a resume then starts from such a cursor.
   * @default 'event'
   */
  multiTopicIds?: 'event' | 'cursor';
}

const DIFFERENCES: Readonly<Record<string, RuntimeDifferences>> = {
  deno: { connectionOnClose: 'close', malformedBody: 'closed' },
  fastify: { overLimit: '413-or-reset' },
};

/** The differences of `examples/<name>`'s runtime or framework (none for most Node demos and Bun). */
export function differencesOf(name: string): RuntimeDifferences {
  return DIFFERENCES[name] ?? {};
}

/**
 * The demos a suite runs against: `SSEKIT_DEMOS=a,b` narrows the run, else all of them.
 * @throws Error for a name without `examples/<name>/src/server.ts`.
 */
export function chosenDemos(): string[] {
  const chosen = process.env.SSEKIT_DEMOS?.split(',').filter(Boolean) ?? [...ALL_DEMOS];
  for (const name of chosen) {
    if (!existsSync(path.join(repoRoot, 'examples', name, 'src', 'server.ts'))) {
      throw new Error(`examples/${name}/src/server.ts is missing: every demo in the list must exist`);
    }
  }
  return chosen;
}
