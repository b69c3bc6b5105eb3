import { createHub } from '@ssekit/core';
import { errorResponse, sseResponse } from '@ssekit/web';

const hub = createHub();
export default {
  fetch(request: Request): Response {
    try {
      return sseResponse(request, { hub, topics: ['news'] });
    } catch (err) {
      return errorResponse(err);
    }
  },
};
