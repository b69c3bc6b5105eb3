export { sseResponse } from './response.js';
export type { ResponseOptions, HubResponseOptions, StreamResponseOptions, StreamHandler } from './options.js';
export { sseBody } from './sse-body.js';
export type { SseBodyOptions } from './sse-body.js';
export { sseHeaders } from './headers.js';
export { topicsFromRequest, lastEventIdFromRequest, requestUrl, LAST_EVENT_ID_PARAM } from './request.js';
export { errorResponse, statusOf } from './error-response.js';
export { ssePreflight } from './cors.js';
