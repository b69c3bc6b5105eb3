import { SsekitError } from '@ssekit/core';

/**
 * Where a topic's data lives on a Redis Cluster: every key and the channel of a topic carry its
 * ordering group as the hash tag, `<prefix>{<group>}:...`, so one script reaches all of them on
 * one shard. Topics and groups cannot hold braces, so the tag is always the group. @internal
 */
export class ClusterLayout {
  readonly prefix: string;
  readonly #groupOf: (topic: string) => string;

  constructor(prefix: string, groupOf: ((topic: string) => string) | undefined) {
    if (prefix.includes('{') || prefix.includes('}')) {
      throw new SsekitError(
        'invalid_option',
        'ssekit: on a Redis Cluster the `prefix` must not contain `{` or `}`: ssekit puts each group in braces as the hash tag.',
      );
    }
    this.prefix = prefix;
    this.#groupOf = groupOf ?? ((topic) => topic);
  }

  /**
   * The ordering group of a topic.
   * @throws SsekitError `invalid_option` when the `group` function answers something unusable.
   */
  groupOf(topic: string): string {
    const group = this.#groupOf(topic);
    if (typeof group !== 'string' || group.length === 0 || group.length > 128 || /[{}\r\n]/.test(group)) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: the \`group\` option must map a topic to 1 to 128 characters without braces or line breaks; it gave ${JSON.stringify(group)} for ${JSON.stringify(topic)}.`,
      );
    }
    return group;
  }

  /** The group's own hash: `base` (its first seq) and `last` (its newest). */
  meta(group: string): string {
    return `${this.prefix}{${group}}:m`;
  }

  /** A topic's keys, as the append script takes them: stream, given ids, own hash, tombstone. */
  topicKeys(topic: string, group = this.groupOf(topic)): [string, string, string, string] {
    const tag = `${this.prefix}{${group}}:`;
    return [`${tag}s:${topic}`, `${tag}g:${topic}`, `${tag}h:${topic}`, `${tag}x:${topic}`];
  }

  /** The sharded Pub/Sub channel of a topic (`SPUBLISH`, `SSUBSCRIBE`), in its group's slot. */
  channelOf(topic: string, group = this.groupOf(topic)): string {
    return `${this.prefix}{${group}}:c:${topic}`;
  }
}
