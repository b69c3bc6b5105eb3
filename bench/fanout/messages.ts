// The IPC protocol between the benchmark and its subscriber processes. Every request carries an
// `id`; the reply carries the same one. `phase-done` is the only unsolicited message.
import type { SparseHistogram } from './histogram.js';

/** Open `count` streams on `GET path` of `127.0.0.1:port`, `concurrency` handshakes at a time. */
export interface ConnectRequest {
  type: 'connect';
  id: number;
  port: number;
  path: string;
  count: number;
  concurrency: number;
  timeoutMs: number;
  /**
   * The loopback address to connect from (`127.0.0.2`, ...): each source address has its own
   * ephemeral port range toward one server port. Default: the kernel's choice (127.0.0.1).
   */
  localAddress?: string;
}

/** From now on, expect every event with `first <= seq <= last` on every open stream. */
export interface PhaseRequest {
  type: 'phase';
  id: number;
  name: string;
  first: number;
  last: number;
}

/**
 * The phase's publishing stopped early: only events up to `last` were published, so a stream
 * that has them all is complete.
 */
export interface TrimRequest {
  type: 'trim';
  id: number;
  last: number;
}

/** Report the current phase's counters (and keep counting). */
export interface ReportRequest {
  type: 'report';
  id: number;
}

/** Close every stream (they are destroyed, not ended gracefully). */
export interface CloseRequest {
  type: 'close';
  id: number;
}

export type ClientRequest = ConnectRequest | PhaseRequest | TrimRequest | ReportRequest | CloseRequest;

/** The answer to a {@link ConnectRequest}. */
export interface ConnectReply {
  type: 'connected';
  id: number;
  /** Streams whose response head (status 200) arrived. */
  open: number;
  failed: number;
  /** The first few failure reasons. */
  errors: string[];
  ms: number;
  /** When the request arrived and when the last stream opened, µs on the shared wall clock. */
  startedUs: number;
  lastOpenUs: number;
  /** Streams opened in each {@link TIMELINE_STEP_MS} from `startedUs`. */
  timeline: number[];
  /** From `net.connect` to the response head, per stream that opened, µs. */
  handshake: { buckets: SparseHistogram; max: number; sum: number };
}

/** The width of one step of a {@link ConnectReply}'s timeline. */
export const TIMELINE_STEP_MS = 250;

/** A phase's counters in one subscriber process. */
export interface PhaseReport {
  type: 'report';
  id: number;
  name: string;
  /** Streams open when the phase started. */
  streams: number;
  /** Of those, streams that received the phase's last event. */
  complete: number;
  /** Streams that closed during the phase. */
  closed: number;
  /** Deliveries of the phase's events (each event counted once per stream). */
  received: number;
  /** Events a stream received a second time. */
  duplicates: number;
  /** Receive time of the first and last delivery, µs on the shared wall clock (0 when none). */
  firstUs: number;
  lastUs: number;
  latency: { buckets: SparseHistogram; max: number; sum: number };
  /** CPU this subscriber process used during the phase, µs. */
  cpuUs: number;
}

/** Sent without a request when every stream that was open at the phase's start completed it or closed. */
export interface PhaseDone {
  type: 'phase-done';
  name: string;
}

/** The answer to a {@link PhaseRequest}, {@link TrimRequest} or {@link CloseRequest}. */
export interface Ack {
  type: 'ack';
  id: number;
}

export type ClientReply = ConnectReply | PhaseReport | PhaseDone | Ack;

/**
 * Now, in microseconds on the wall clock every process of the run shares: the publisher stamps
 * events with it and the subscribers subtract it from their own reading.
 */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}
