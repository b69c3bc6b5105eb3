import type { EventMap } from './hub-types.js';

/**
 * One event to publish, checked against `TEvents`: `event` must be one of its names and `data`
 * of that name's type. With the default map any name and data are allowed.
 */
export type PublishEvent<TEvents extends EventMap> =
  | {
      [K in keyof TEvents & string]: {
        /** The event name. */
        event: K;
        /** The payload: a string is sent as is; anything else is serialized (JSON by default). */
        data: TEvents[K];
        /** An id to use instead of the store's; 1 to 128 characters of `[A-Za-z0-9._~-]`. */
        id?: string;
        /**
         * Makes this the topic's last event: every stream on the topic receives it, a stream whose
         * every topic completed ends right after it, later requests are answered `204 No Content`
         * (EventSource stops), and later publishes are refused with `SsekitError('completed')`.
         */
        final?: boolean;
      };
    }[keyof TEvents & string]
  | ('message' extends keyof TEvents
      ? { event?: undefined; data: TEvents['message' & keyof TEvents]; id?: string; final?: boolean }
      : never);

/** Options of one {@link Hub.publish}. */
export interface PublishOptions {
  /**
   * How long the topic's history (and its completion) is kept after this publish, ms; `0` keeps
   * it. Give it on a topic's first publish to set that topic's retention.
   * @default the store's (`topicTtlMs`)
   */
  ttlMs?: number;
}

/** What {@link Hub.publish} resolves to. */
export interface PublishResult {
  /** The event's id, as sent on the wire. */
  id: string;
  /** How many streams of this process received it. */
  delivered: number;
}
