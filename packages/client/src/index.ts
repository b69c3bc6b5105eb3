export { subscribe } from './subscribe.js';
export type {
  ClientEvent,
  ConnectionState,
  EventMap,
  EventName,
  HeadersOption,
  ParseOption,
  SubscribeOptions,
  Subscription,
  WithReset,
} from './types.js';
export { RESET_EVENT } from './reset.js';
export type { ResetData } from './reset.js';
export { SsekitClientError } from './errors.js';
export type { ClientErrorCode } from './errors.js';
export { createParser } from './parser.js';
export type { OnDispatch } from './parser.js';
