import type { CloseReason } from '../stream/sink.js';
import type { ReplayMissReason } from '../store/replay-store.js';
import type { Subscription } from './subscription.js';

/**
 * Lifecycle callbacks of a hub, for logs and metrics. They run synchronously on the hub's path,
 * so keep them cheap. A hook that throws never reaches a stream or another hook: the error goes to
 * `error` (and is counted in `stats().errors`).
 */
export interface HubHooks {
  /** A stream was subscribed. */
  connect?(stream: Subscription<object>): void;
  /** A stream ended, with why. */
  disconnect?(stream: Subscription<object>, reason: CloseReason): void;
  /** The `'drop-oldest'` policy dropped `count` events queued for a slow stream. */
  drop?(stream: Subscription<object>, count: number): void;
  /** A resumption could not be served; the stream got `ssekit-reset`. */
  replayMiss?(stream: Subscription<object>, reason: ReplayMissReason, lastEventId: string): void;
  /** A delivery was written: `latencyMs` from `publish()` (on this process) to the write. */
  published?(info: { topic: string; id: string; delivered: number; latencyMs: number | undefined }): void;
  /**
   * Something failed without stopping the hub: a sink's write threw (the stream ended with
   * reason `'error'`), a replay failed, or another hook threw.
   */
  error?(error: unknown, context: { where: 'write' | 'replay' | 'hook'; stream?: Subscription<object> }): void;
}

/** Calls hooks so that a throwing one is reported, never propagated. @internal */
export class HookRunner {
  errors = 0;
  readonly #hooks: HubHooks;

  constructor(hooks: HubHooks | undefined) {
    this.#hooks = hooks ?? {};
  }

  get hooks(): HubHooks {
    return this.#hooks;
  }

  run<K extends Exclude<keyof HubHooks, 'error'>>(name: K, ...args: Parameters<NonNullable<HubHooks[K]>>): void {
    const hook = this.#hooks[name] as ((...a: typeof args) => void) | undefined;
    if (hook === undefined) return;
    try {
      hook(...args);
    } catch (err) {
      this.report(err, { where: 'hook' });
    }
  }

  report(error: unknown, context: { where: 'write' | 'replay' | 'hook'; stream?: Subscription<object> }): void {
    this.errors++;
    try {
      this.#hooks.error?.(error, context);
    } catch {
      // The error hook itself failed: it is counted above, and there is nowhere left to report it.
    }
  }
}
