import { createAdmission } from '@ssekit/core';
import type { Admission, AdmissionSpec, Sink, SseStreamControl } from '@ssekit/core';
import { answerResponse } from './error-response.js';
import { sseHeaders } from './headers.js';
import { WEB_OWN_KEYS } from './options.js';
import type { HubResponseOptions } from './options.js';
import { webView } from './request.js';
import { sseBody } from './sse-body.js';

const utf8 = new TextEncoder();

/** What the body holds when the retry answer replaced the stream: nothing left to drive. */
const ANSWERED: SseStreamControl = { drained: () => undefined, close: () => Promise.resolve() };

/** The admission of an options object, made (and its options checked) once. */
const admissions = new WeakMap<object, Admission<object, Request>>();

/**
 * The admission of `options`, made once per options object.
 * @throws SsekitError `invalid_option` for a bad value or an unknown key.
 */
export function admissionOf<TEvents extends object>(
  options: HubResponseOptions<TEvents>,
  spec: AdmissionSpec<Request>,
): Admission<TEvents, Request> {
  let admission = admissions.get(options) as Admission<TEvents, Request> | undefined;
  if (admission === undefined) {
    admission = createAdmission(options, { ...spec, ownKeys: WEB_OWN_KEYS });
    admissions.set(options, admission);
  }
  return admission;
}

/**
 * Admits `request` and makes its `Response`: a preflight answer, the headers only of a `HEAD`,
 * or the event stream, which subscribes on the runtime's first read of the body (at once with
 * `limitResponse: 429`, whose refusal must be known before the `Response` exists).
 * @throws (rejects with) the refusal, reported to `onError` when it is a 5xx.
 */
export async function hubResponse<TEvents extends object>(
  admission: Admission<TEvents, Request>,
  request: Request,
  options: HubResponseOptions<TEvents>,
): Promise<Response> {
  const view = webView(request, options.lastEventId);
  if (request.method === 'OPTIONS') return answerResponse(admission.preflight(view));
  try {
    const ticket = await admission.admit(view, request);
    if (ticket.answer !== undefined) return answerResponse(ticket.answer);
    const headers = sseHeaders(options.headers);
    for (const [name, value] of Object.entries(ticket.headers)) headers.set(name, value);
    if (request.method === 'HEAD') return new Response(null, { status: 200, headers });
    const signal = options.signal ?? request.signal;
    const open = (sink: Sink): SseStreamControl => {
      const opened = admission.open(ticket, sink, signal);
      if ('topics' in opened) return opened;
      // The 200 already left: the body becomes the answer EventSource honours.
      sink.write(utf8.encode(opened.body));
      void sink.end('server');
      return ANSWERED;
    };
    const start = options.limitResponse === 429 ? 'now' : 'read';
    return new Response(sseBody(open, { highWaterMark: options.highWaterMark, start }), { status: 200, headers });
  } catch (err) {
    admission.report(err, request);
    throw err;
  }
}
