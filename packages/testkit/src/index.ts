export { SseClient } from './sse-client.js';
export type { ReceivedEvent, ConnectOptions } from './sse-client.js';
export { startDemo, repoRoot } from './demo.js';
export type { RunningDemo } from './demo.js';
export { request, publish, stats, eventually } from './http.js';
export type { HttpAnswer } from './http.js';
export { defineContractSuite, freshTopic, wireFrame, withoutComments, CONTRACT_ENV } from './contract.js';
