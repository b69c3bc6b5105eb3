/**
 * One topic a bus listens to: how many hubs watch it, whether Redis confirmed the subscription,
 * and the timer that unsubscribes it a little after the last watcher left. @internal
 */
export class TopicWatch {
  /** Watchers; 0 while it lingers. */
  refs = 1;
  /** Settles once Redis confirmed the subscription (again, after a reconnection). */
  readonly confirmed: Promise<void>;
  /** True once `confirmed` settled, to be read without waiting for it. */
  isConfirmed = false;
  #confirm!: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.confirmed = new Promise<void>((resolve) => (this.#confirm = resolve));
  }

  /** Redis answered the SUBSCRIBE. */
  confirm(): void {
    this.isConfirmed = true;
    this.#confirm();
  }

  /** Runs `drop` after `ms` unless a watcher comes back first. */
  linger(ms: number, drop: () => void): void {
    this.stopLinger();
    this.#timer = setTimeout(drop, ms);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** A watcher came back, or the bus stops. */
  stopLinger(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
