/**
 * The reserved event an ssekit server sends, before live events continue, when a resume cannot
 * be served. Its data is always decoded as JSON, whatever the `parse` option.
 */
export const RESET_EVENT = 'ssekit-reset';

/**
 * The data of {@link RESET_EVENT}: the server cannot send what came after `lastEventId`, because
 * it never issued that id (`'unknown'`, e.g. after a restart of an in-memory store) or no longer
 * holds every event after it (`'too_old'`). Servers may add reasons later, so treat any reason as
 * "reload your state from the source of truth".
 */
export interface ResetData {
  /** Why the missed events cannot be sent. */
  reason: 'unknown' | 'too_old' | (string & {});
  /** The id the client asked to resume after. */
  lastEventId: string;
}
