import type { Admission, Subscription } from '@ssekit/core';

/**
 * What a Node host (`@hono/node-server`) hands a Fetch app beside the `Request`: Node's own
 * request and response (Hono's `c.env`, its `HttpBindings`). Typed loosely, so this package
 * keeps no dependency on Node's types.
 */
export interface NodeBindings {
  /** Node's `IncomingMessage`. */
  readonly incoming?: unknown;
  /** Node's `ServerResponse`. */
  readonly outgoing?: unknown;
}

/** The part of `@ssekit/node` this package uses, loaded on the first Node request. */
interface NodeAdapter {
  serveStream(
    admission: Admission<object, Request>,
    request: Request,
    req: unknown,
    res: unknown,
  ): Promise<Subscription<object> | undefined>;
}

// A variable, so bundlers for other runtimes do not follow the import, and TypeScript does not
// read Node's types through it.
const NODE_ADAPTER = '@ssekit/node';
let nodeAdapter: Promise<NodeAdapter | undefined> | undefined;

/** `@ssekit/node`, when it is installed (an optional peer dependency). */
function loadNodeAdapter(): Promise<NodeAdapter | undefined> {
  nodeAdapter ??= (import(NODE_ADAPTER) as Promise<NodeAdapter>).catch(() => undefined);
  return nodeAdapter;
}

/**
 * The answer `@hono/node-server` leaves alone: the app wrote the response itself. Made once:
 * the server swaps the global `Response` for a lighter class of its own, whose fast path does not
 * look for this header; reading `statusText` turns one of those into the real thing, which it
 * does check (as its own `RESPONSE_ALREADY_SENT`, also made once, is).
 */
let alreadySentAnswer: Response | undefined;
function alreadySent(): Response {
  if (alreadySentAnswer === undefined) {
    alreadySentAnswer = new Response(null, { headers: { 'x-hono-already-sent': 'true' } });
    Reflect.get(alreadySentAnswer, 'statusText');
  }
  return alreadySentAnswer;
}

/** True when `bindings` carry a Node request and response that have not started. */
function isNodeHost(bindings: NodeBindings | undefined): bindings is Required<NodeBindings> {
  const res = bindings?.outgoing as { headersSent?: unknown; writeHead?: unknown } | undefined;
  return typeof res?.writeHead === 'function' && res.headersSent === false && bindings?.incoming !== undefined;
}

/**
 * Serves the stream on Node's own response when the host hands it over, with `@ssekit/node`'s
 * sink: one pre-framed write per broadcast straight to the socket, resets for evicted clients,
 * the connection closed when the stream ends, where a Web `ReadableStream` costs an enqueue, a
 * read and a `res.write()` per chunk. `undefined` when the host is not Node (or `@ssekit/node`
 * is not installed): the caller answers with a Web stream.
 * @throws (rejects with) the refusal, nothing written.
 */
export async function serveOnNode(
  admission: Admission<object, Request>,
  request: Request,
  bindings: NodeBindings | undefined,
): Promise<Response | undefined> {
  if (!isNodeHost(bindings)) return undefined;
  const node = await loadNodeAdapter();
  if (node === undefined) return undefined;
  await node.serveStream(admission, request, bindings.incoming, bindings.outgoing);
  return alreadySent();
}
