import type { LastEventId } from '../wire/ids.js';

/** Options of {@link Hub.subscribe}. */
export interface SubscribeOptions {
  /**
   * Topics to receive, each 1 to 128 characters of `A-Z a-z 0-9 . _ ~ : / @ + -`.
   * @default ['default']
   */
  topics?: readonly string[];
  /**
   * Where the client resumes from, as {@link parseLastEventId} checked it (adapters read the
   * `Last-Event-ID` header, or `?lastEventId=`, and parse it once). When given, missed events are
   * replayed first, or the reserved `ssekit-reset` event says they cannot be.
   */
  lastEventId?: LastEventId;
  /**
   * `'start'`: without a `lastEventId`, the stream first gets every event the store still holds
   * on its topics (a late joiner reading a whole run), then live events.
   */
  from?: 'start';
  /** The `retry:` hint written first, in ms. @default the hub's `retry` */
  retry?: number;
  /** Aborting it ends the stream with reason `'client'` (e.g. a Fetch `request.signal`). */
  signal?: AbortSignal;
  /** What {@link Hub.prepare} decided for this request, when it was asked first. */
  prepared?: Preparation;
  /**
   * Who the client is, for `maxConnectionsPerClient` (adapters pass the remote address unless
   * told otherwise).
   */
  clientKey?: string;
}

/**
 * What {@link Hub.prepare} decided for a stream request. Pass it on to {@link Hub.subscribe}.
 */
export interface Preparation {
  /**
   * True when the request has nothing more to read: every topic completed and the client read
   * each final event, or asks with no resume point. Answer it `204 No Content` (EventSource then
   * stops reconnecting) instead of subscribing.
   */
  readonly ended: boolean;
}
