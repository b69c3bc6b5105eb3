import { SOURCE_FAILED, iterate } from '../stream/source.js';
import type { PipeSource } from '../stream/source.js';
import type { PublishOptions, PublishResult } from './publish-types.js';

/** Options of `hub.pipe`. */
export interface HubPipeOptions<TEvent, TItem> {
  /**
   * Turns one item into the event published.
   * @default an unnamed event whose data is the item
   */
  map?(item: TItem, index: number): NoInfer<TEvent>;
  /**
   * The final event, published once the source is done; it completes the topic.
   * @default `{ event: 'done', data: '' }`
   */
  end?: NoInfer<TEvent>;
  /**
   * The final event when the source throws; its data should not carry the error's own message,
   * which may hold internals.
   * @default `{ event: 'error', data: { message: 'the source of this stream failed' } }`
   */
  error?(error: unknown): NoInfer<TEvent>;
  /** The topic's time to live after its last publish, ms (see `PublishOptions.ttlMs`). */
  ttlMs?: number;
}

/** What `hub.pipe` resolves to. */
export interface HubPipeResult {
  /** Events published, the final one included. */
  published: number;
  /** The final event's id. */
  lastId: string;
  /** What the source (or `map`) threw, when the run ended with the `error` event. */
  error?: unknown;
}

type Publish = (topic: string, event: unknown, options: PublishOptions) => Promise<PublishResult>;

/**
 * Publishes every item of `source` on `topic`, in order, each publish awaited (so a slow store
 * slows the source), then the final event. Consumers do not pace it: streams come and go, the
 * run goes on. A publish that fails stops the source and rejects. @internal
 */
export async function pipeToHub<TItem, TEvent>(
  publish: Publish,
  topic: string,
  source: PipeSource<TItem>,
  options: HubPipeOptions<TEvent, TItem> = {},
): Promise<HubPipeResult> {
  const iterator = iterate(source);
  const publishOptions: PublishOptions = { ttlMs: options.ttlMs };
  let published = 0;
  let failure: { error: unknown } | undefined;
  for (;;) {
    let next: IteratorResult<TItem>;
    let event: unknown;
    try {
      next = await iterator.next();
      if (next.done === true) break;
      event = options.map === undefined ? { data: next.value } : options.map(next.value, published);
    } catch (error) {
      failure = { error };
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
      break;
    }
    try {
      await publish(topic, event, publishOptions);
    } catch (err) {
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
      throw err;
    }
    published++;
  }
  const final =
    failure === undefined
      ? (options.end ?? { event: 'done', data: '' })
      : (options.error?.(failure.error) ?? { event: 'error', data: { message: SOURCE_FAILED } });
  const last = await publish(topic, { ...(final as object), final: true }, publishOptions);
  const result = { published: published + 1, lastId: last.id };
  return failure === undefined ? result : { ...result, error: failure.error };
}
