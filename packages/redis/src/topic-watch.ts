/**
 * One topic a bus listens to: how many hubs watch it, whether Redis confirmed the subscription,
 * and the timer that unsubscribes it a little after the last watcher left. @internal
 */
export class TopicWatch {
  /** Watchers; 0 while it lingers. */
  refs = 1;
  /** True once `confirmed` settled, to be read without waiting for it. */
  isConfirmed = false;
  #confirmed: Promise<void>;
  #confirm!: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    this.#confirmed = this.#pending();
  }

  /** Settles once Redis confirmed the subscription (again, after a loss). */
  get confirmed(): Promise<void> {
    return this.#confirmed;
  }

  /** Redis answered the SUBSCRIBE (or nobody will listen, and whoever waits goes on). */
  confirm(): void {
    this.isConfirmed = true;
    this.#confirm();
  }

  /** The subscription was lost: whoever watches from now on waits for the next one. */
  unconfirm(): void {
    if (!this.isConfirmed) return;
    this.isConfirmed = false;
    this.#confirmed = this.#pending();
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

  #pending(): Promise<void> {
    return new Promise<void>((resolve) => (this.#confirm = resolve));
  }
}

/**
 * One more watcher of a topic the bus listens to already (one still lingering, say): what the
 * hub waits for, nothing once it is confirmed. @internal
 */
export function watchAgain(watch: TopicWatch): Promise<void> | undefined {
  watch.refs++;
  watch.stopLinger();
  return watch.isConfirmed ? undefined : watch.confirmed;
}

/**
 * One watcher fewer of `topic`. Once none is left, and none came back within `lingerMs`, the
 * topic is forgotten and `drop` unsubscribes it: a stream that leaves and comes back at once (a
 * reload) does not cost an unsubscribe and a subscribe. @internal
 */
export function unwatchAfter<TWatch extends TopicWatch>(
  topics: Map<string, TWatch>,
  topic: string,
  lingerMs: number,
  drop: (watch: TWatch) => void,
): void {
  const watch = topics.get(topic);
  if (watch === undefined || watch.refs === 0) return;
  watch.refs--;
  if (watch.refs > 0) return;
  const forget = (): void => {
    if (topics.get(topic) !== watch || watch.refs > 0) return;
    topics.delete(topic);
    drop(watch);
  };
  if (lingerMs === 0) forget();
  else watch.linger(lingerMs, forget);
}
