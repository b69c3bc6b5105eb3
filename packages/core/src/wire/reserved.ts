/**
 * The reserved event a resuming stream receives, before live events continue, when its
 * `Last-Event-ID` cannot be replayed: the store never issued it (`reason: 'unknown'`, e.g. after
 * a restart of an in-memory store) or no longer holds every event after it (`reason: 'too_old'`).
 * Its data is JSON: `{ "reason": "unknown" | "too_old", "lastEventId": string }`. A client should
 * reload its state from the source of truth. Event names starting with `ssekit-` are reserved:
 * the hub refuses to publish them.
 */
export const RESET_EVENT = 'ssekit-reset';

/** Event names starting with this are ssekit's own; the hub refuses to publish them. */
export const RESERVED_PREFIX = 'ssekit-';
