// The parent's side of the subscriber processes: starts them, splits streams across them, and
// turns their IPC replies into promises.
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { Histogram } from './histogram.js';
import type { ClientReply, ClientRequest, ConnectReply, PhaseReport } from './messages.js';
import { ROOT, track } from './servers.js';

/** Every process's {@link PhaseReport} summed. */
export interface MergedReport {
  streams: number;
  complete: number;
  closed: number;
  received: number;
  duplicates: number;
  firstUs: number;
  lastUs: number;
  latency: Histogram;
  /** CPU of all subscriber processes during the phase, µs. */
  cpuUs: number;
}

type Pending = (reply: ClientReply) => void;
/** A request before its `id` is assigned. */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

/** How {@link SubscriberPool.connect} went, over every process. */
export interface ConnectOutcome {
  open: number;
  failed: number;
  /** The first few failure reasons. */
  errors: string[];
  /** The slowest process's time from its request to its last answer, ms. */
  ms: number;
  /** The earliest start and the last stream opened, µs on the shared wall clock. */
  startedUs: number;
  lastOpenUs: number;
  /** Streams opened per step (TIMELINE_STEP_MS in messages.ts) since each process's start, summed. */
  timeline: number[];
  /** `net.connect` to response head, µs. */
  handshake: Histogram;
}

class SubscriberProcess {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #onPhaseDone: ((name: string) => void) | undefined;
  readonly #exit: Promise<void>;

  /** @param localAddress - the source address this process connects from. */
  constructor(readonly localAddress?: string) {
    this.#child = fork(new URL('./subscriber-process.ts', import.meta.url).pathname, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    track(this.#child);
    this.#exit = new Promise((resolve) => this.#child.once('exit', () => resolve()));
    this.#child.on('message', (reply: ClientReply) => {
      if (reply.type === 'phase-done') {
        this.#onPhaseDone?.(reply.name);
        return;
      }
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      pending?.(reply);
    });
    this.#child.once('exit', (code, signal) => {
      for (const pending of this.#pending.values()) {
        pending({ type: 'ack', id: -1 });
      }
      this.#pending.clear();
      if (code !== 0) console.error(`bench: a subscriber process exited (${code ?? signal ?? '?'})`);
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  request<T extends ClientReply>(message: Unsent<ClientRequest>): Promise<T> {
    const id = this.#nextId++;
    if (!this.#child.connected) return Promise.reject(new Error('bench: a subscriber process is gone'));
    return new Promise((resolve, reject) => {
      this.#pending.set(id, (reply) => {
        if (reply.type === 'ack' && reply.id === -1) reject(new Error('bench: a subscriber process exited'));
        else resolve(reply as T);
      });
      this.#child.send({ ...message, id });
    });
  }

  onPhaseDone(listener: ((name: string) => void) | undefined): void {
    this.#onPhaseDone = listener;
  }

  async stop(): Promise<void> {
    if (this.#child.connected) this.#child.disconnect();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await this.#exit;
    clearTimeout(timer);
  }
}

/** Several subscriber processes acting as one load generator. */
export class SubscriberPool {
  readonly #processes: SubscriberProcess[];

  /**
   * @param count - processes to start.
   * @param localAddresses - the source address of each process (`127.0.0.2`, ...), so that each
   *   has its own ephemeral port range; by default all connect from the kernel's choice.
   */
  constructor(count: number, localAddresses: readonly string[] = []) {
    this.#processes = Array.from({ length: count }, (_, i) => new SubscriberProcess(localAddresses[i]));
  }

  get pids(): number[] {
    return this.#processes.map((p) => p.pid);
  }

  /**
   * Opens `total` streams on `127.0.0.1:port` + `path`, spread evenly over the processes.
   * @returns streams open, failures, the first errors, and how long it took.
   */
  async connect(
    port: number,
    path: string,
    total: number,
    timeoutMs: number,
    concurrency = 128,
  ): Promise<ConnectOutcome> {
    const share = (i: number): number =>
      Math.floor(total / this.#processes.length) + (i < total % this.#processes.length ? 1 : 0);
    const replies = await Promise.all(
      this.#processes.map((p, i) =>
        p.request<ConnectReply>({
          type: 'connect',
          port,
          path,
          count: share(i),
          concurrency,
          timeoutMs,
          ...(p.localAddress === undefined ? {} : { localAddress: p.localAddress }),
        }),
      ),
    );
    const handshake = new Histogram();
    const timeline: number[] = [];
    for (const r of replies) {
      handshake.addSparse(r.handshake.buckets, r.handshake.max, r.handshake.sum);
      r.timeline.forEach((n, i) => (timeline[i] = (timeline[i] ?? 0) + n));
    }
    return {
      open: replies.reduce((sum, r) => sum + r.open, 0),
      failed: replies.reduce((sum, r) => sum + r.failed, 0),
      errors: replies.flatMap((r) => r.errors).slice(0, 5),
      ms: Math.max(...replies.map((r) => r.ms)),
      startedUs: Math.min(...replies.map((r) => r.startedUs)),
      lastOpenUs: Math.max(...replies.map((r) => r.lastOpenUs)),
      timeline: Array.from({ length: timeline.length }, (_, i) => timeline[i] ?? 0),
      handshake,
    };
  }

  /**
   * Opens `total` streams split evenly over several servers (`ports`), each share spread over the
   * processes as {@link connect} does.
   */
  async connectAcross(
    ports: readonly number[],
    path: string,
    total: number,
    timeoutMs: number,
  ): Promise<{ open: number; failed: number; errors: string[]; ms: number }> {
    const merged = { open: 0, failed: 0, errors: [] as string[], ms: 0 };
    for (const [i, port] of ports.entries()) {
      const share = Math.floor(total / ports.length) + (i < total % ports.length ? 1 : 0);
      const r = await this.connect(port, path, share, timeoutMs);
      merged.open += r.open;
      merged.failed += r.failed;
      merged.errors = [...merged.errors, ...r.errors].slice(0, 5);
      merged.ms += r.ms;
    }
    return merged;
  }

  /**
   * Starts a phase expecting events `first..last` in every process. Resolves once every process
   * is ready, to `done`: a promise that settles when every process reported the phase complete
   * (`true`) or `timeoutMs` passed (`false`).
   */
  async startPhase(name: string, first: number, last: number, timeoutMs: number): Promise<{ done: Promise<boolean> }> {
    let waiting = this.#processes.length;
    let settle!: (done: boolean) => void;
    const done = new Promise<boolean>((resolve) => (settle = resolve));
    const timer = setTimeout(() => settle(false), timeoutMs);
    for (const p of this.#processes) {
      p.onPhaseDone((phase) => {
        if (phase === name && --waiting === 0) {
          clearTimeout(timer);
          settle(true);
        }
      });
    }
    await Promise.all(this.#processes.map((p) => p.request({ type: 'phase', name, first, last })));
    // Wrapped: an async function returning the promise itself would wait for it.
    return { done };
  }

  /** Tells every process the current phase's events end at `last` (publishing stopped early). */
  async trim(last: number): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.request({ type: 'trim', last })));
  }

  /** The current phase's counters, summed over the processes. */
  async report(): Promise<MergedReport> {
    const reports = await Promise.all(this.#processes.map((p) => p.request<PhaseReport>({ type: 'report' })));
    const latency = new Histogram();
    for (const r of reports) latency.addSparse(r.latency.buckets, r.latency.max, r.latency.sum);
    const sum = (key: 'streams' | 'complete' | 'closed' | 'received' | 'duplicates' | 'cpuUs'): number =>
      reports.reduce((total, r) => total + r[key], 0);
    const firsts = reports.map((r) => r.firstUs).filter((us) => us > 0);
    return {
      streams: sum('streams'),
      complete: sum('complete'),
      closed: sum('closed'),
      received: sum('received'),
      duplicates: sum('duplicates'),
      firstUs: firsts.length > 0 ? Math.min(...firsts) : 0,
      lastUs: Math.max(0, ...reports.map((r) => r.lastUs)),
      latency,
      cpuUs: sum('cpuUs'),
    };
  }

  /** Destroys every stream. */
  async closeAll(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.request({ type: 'close' })));
  }

  /** Ends the processes (they exit when their IPC channel closes; SIGKILL after 5 s). */
  async stop(): Promise<void> {
    await Promise.all(this.#processes.map((p) => p.stop()));
  }
}
