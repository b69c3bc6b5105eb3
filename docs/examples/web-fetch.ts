import { createHub } from '@ssekit/core';
import { sseHandler } from '@ssekit/web';

const hub = createHub();
// Checks its options now; answers refusals itself with their status and `{ "error" }`.
const events = sseHandler({ hub, topics: ['news'] });

export default {
  fetch(request: Request): Promise<Response> {
    return events(request);
  },
};
