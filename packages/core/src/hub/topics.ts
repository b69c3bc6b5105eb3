import { SsekitError } from '../errors.js';

/** Longest topic name. */
export const MAX_TOPIC_LENGTH = 128;

const TOPIC_PATTERN = /^[A-Za-z0-9._~:/@+-]+$/;

/**
 * Throws `invalid_topic` unless `topic` is 1 to {@link MAX_TOPIC_LENGTH} characters of
 * `A-Z a-z 0-9 . _ ~ : / @ + -`.
 * @param topic - the topic name, often straight from a query string.
 */
export function assertTopic(topic: string): void {
  if (
    typeof topic !== 'string' ||
    topic.length === 0 ||
    topic.length > MAX_TOPIC_LENGTH ||
    !TOPIC_PATTERN.test(topic)
  ) {
    throw new SsekitError(
      'invalid_topic',
      `ssekit: a topic must be 1 to ${MAX_TOPIC_LENGTH} characters of A-Z a-z 0-9 . _ ~ : / @ + -.`,
    );
  }
}

/**
 * The topics of a subscription: `['default']` when none is given, each checked, without
 * duplicates, at most `max` of them. @internal
 * @throws SsekitError `invalid_topic`.
 */
export function topicsOf(options: { readonly topics?: readonly string[] }, max = Infinity): string[] {
  const topics =
    options.topics === undefined || options.topics.length === 0 ? ['default'] : [...new Set(options.topics)];
  assertTopicCount(topics.length, max);
  for (const topic of topics) assertTopic(topic);
  return topics;
}

/**
 * Each hub's `maxTopicsPerStream`, for the admission: it refuses a request over it before
 * `authorize` runs, which may do work per topic. @internal
 */
export const topicLimits = new WeakMap<object, number>();

/**
 * Refuses more than `max` distinct topics for one stream. @internal
 * @throws SsekitError `invalid_topic`.
 */
export function assertTopicCount(count: number, max: number): void {
  if (count <= max) return;
  throw new SsekitError(
    'invalid_topic',
    `ssekit: a stream may receive at most ${max} topics; this one asks for ${count}. Ask for fewer, or raise the hub's \`maxTopicsPerStream\`.`,
  );
}
