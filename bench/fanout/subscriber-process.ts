// A load-generator process: holds thousands of raw TCP subscribers on one server's `/events`,
// checks that each receives every event of a phase exactly once, and measures publish-to-receive
// latency. Driven by the benchmark over IPC (see messages.ts); exits when the
// parent goes away.
import net from 'node:net';
import type { ClientReply, ClientRequest, ConnectReply, ConnectRequest } from './messages.js';
import { TIMELINE_STEP_MS, nowUs } from './messages.js';
import { Histogram } from './histogram.js';
import { LOCAL_PORTS } from './local-ports.js';
import { Phase } from './phase.js';
import type { PhaseMember } from './phase.js';
import { WireParser } from './wire-parser.js';
import type { WireHandler } from './wire-parser.js';

// Every socket reads into this one buffer (`onread`): the parser consumes each read at once, so
// the process allocates nothing per read however many streams it holds.
const readBuffer = Buffer.allocUnsafe(256 * 1024);
/** When the read being parsed arrived: every event in one read shares it. */
let receivedAtUs = 0;

function send(message: ClientReply): void {
  process.send?.(message);
}

let phase: Phase | undefined;
let subscribers: Subscriber[] = [];

/** One stream: its socket, its parser, its part in the current phase. */
class Subscriber implements WireHandler, PhaseMember {
  readonly parser = new WireParser(this);
  socket: net.Socket | undefined;
  open = false;
  inPhase = false;
  seen = new Uint8Array(0);
  got = 0;

  /** @param opened - called once the response head arrived (`error` unless it was a 200). */
  constructor(private readonly opened: (error: string | undefined) => void) {}

  head(status: number): void {
    if (status === 200) {
      this.open = true;
      this.opened(undefined);
    } else {
      this.opened(`status ${status}`);
      this.socket?.destroy();
    }
  }

  event(seq: number, sentUs: number): void {
    phase?.record(this, seq, sentUs, receivedAtUs);
  }

  end(): void {
    this.socket?.destroy();
  }

  closed(): void {
    this.open = false;
    phase?.memberClosed(this);
  }
}

function connect(request: ConnectRequest): Promise<ConnectReply> {
  const started = performance.now();
  const startedUs = nowUs();
  let lastOpenUs = 0;
  const timeline: number[] = [];
  const handshake = new Histogram();
  const head =
    `GET ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:${request.port}\r\n` +
    'Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n';
  let launched = 0;
  let settled = 0;
  let open = 0;
  const errors: string[] = [];
  return new Promise((resolve) => {
    const finish = (): void => {
      clearTimeout(deadline);
      const failed = request.count - open;
      if (settled < request.count)
        errors.push(`${request.count - settled} not answered within ${request.timeoutMs} ms`);
      resolve({
        type: 'connected',
        id: request.id,
        open,
        failed,
        errors: errors.slice(0, 5),
        ms: performance.now() - started,
        startedUs,
        lastOpenUs,
        timeline: Array.from({ length: timeline.length }, (_, i) => timeline[i] ?? 0),
        handshake: { buckets: handshake.toSparse(), max: handshake.max, sum: handshake.sum },
      });
    };
    const deadline = setTimeout(finish, request.timeoutMs);
    const opened = (error: string | undefined, tookUs: number): void => {
      settled++;
      if (error === undefined) {
        open++;
        lastOpenUs = nowUs();
        handshake.record(tookUs);
        const step = Math.floor((lastOpenUs - startedUs) / 1000 / TIMELINE_STEP_MS);
        // Steps with no opening stay holes until the reply fills them with 0.
        timeline[step] = (timeline[step] ?? 0) + 1;
      } else if (errors.length < 5) errors.push(error);
      if (settled === request.count) finish();
      else launch();
    };
    const launch = (): void => {
      // A bounded number of handshakes in flight keeps the server's accept backlog from overflowing.
      while (launched < request.count && launched - settled < request.concurrency) {
        launched++;
        openStream(request, head, opened);
      }
    };
    launch();
  });
}

let nextLocalPort = LOCAL_PORTS.first;
/** Ports tried for one stream before it counts as failed. */
const PORT_ATTEMPTS = 64;

function takeLocalPort(): number {
  const port = nextLocalPort;
  nextLocalPort = port >= LOCAL_PORTS.last ? LOCAL_PORTS.first : port + 1;
  return port;
}

function openStream(
  request: ConnectRequest,
  head: string,
  opened: (error: string | undefined, tookUs: number) => void,
  begunUs = nowUs(),
  attempt = 1,
): void {
  let answered = false;
  const subscriber = new Subscriber((error) => {
    answered = true;
    opened(error, nowUs() - begunUs);
  });
  const from =
    request.localAddress === undefined ? {} : { localAddress: request.localAddress, localPort: takeLocalPort() };
  const socket = net.connect({
    host: '127.0.0.1',
    port: request.port,
    ...from,
    onread: {
      buffer: readBuffer,
      callback: (bytes) => {
        receivedAtUs = nowUs();
        subscriber.parser.feed(readBuffer, 0, bytes);
        return true;
      },
    },
  });
  subscriber.socket = socket;
  let failure = 'closed before the response head';
  let portTaken = false;
  socket.on('connect', () => {
    subscribers.push(subscriber);
    socket.write(head);
  });
  // 'close' always follows 'error'; the reason is reported there.
  socket.on('error', (err: NodeJS.ErrnoException) => {
    failure = err.message;
    portTaken = err.code === 'EADDRINUSE' && request.localAddress !== undefined;
  });
  socket.on('close', () => {
    if (!answered && portTaken && attempt < PORT_ATTEMPTS) {
      answered = true;
      openStream(request, head, opened, begunUs, attempt + 1);
      return;
    }
    if (!answered) {
      answered = true;
      opened(failure, nowUs() - begunUs);
    }
    subscriber.closed();
  });
}

function startPhase(name: string, first: number, last: number): void {
  const next = new Phase(name, first, last, () => send({ type: 'phase-done', name }));
  for (const subscriber of subscribers) next.enrol(subscriber, subscriber.open);
  phase = next;
  next.checkDone();
}

async function closeAll(): Promise<void> {
  const closing = subscribers.map(
    (subscriber) =>
      new Promise<void>((resolve) => {
        const socket = subscriber.socket;
        if (socket === undefined || socket.destroyed) resolve();
        else {
          socket.once('close', () => resolve());
          socket.destroy();
        }
      }),
  );
  phase = undefined;
  await Promise.all(closing);
  subscribers = [];
}

async function handle(request: ClientRequest): Promise<void> {
  switch (request.type) {
    case 'connect':
      send(await connect(request));
      return;
    case 'phase':
      startPhase(request.name, request.first, request.last);
      send({ type: 'ack', id: request.id });
      return;
    case 'trim':
      phase?.trim(request.last, subscribers);
      send({ type: 'ack', id: request.id });
      return;
    case 'report':
      if (phase === undefined) throw new Error('bench: report requested outside a phase');
      send(phase.report(request.id));
      return;
    case 'close':
      await closeAll();
      send({ type: 'ack', id: request.id });
      return;
  }
}

if (process.send === undefined) {
  console.error('bench: subscriber-process.ts is started by the fan-out benchmark, not by hand.');
  process.exit(2);
}
process.on('message', (request: ClientRequest) => {
  handle(request).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
});
// The benchmark went away (finished or crashed): nothing to keep the streams open for.
process.on('disconnect', () => {
  for (const subscriber of subscribers) subscriber.socket?.destroy();
  process.exit(0);
});
