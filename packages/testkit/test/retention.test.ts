import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTRACT_ENV, freshTopic, publish, startDemo } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';
import { SseClient } from '@ssekit/testkit';

// TOPIC_TTL_MS and MAX_TOPICS, read by every demo through demo-common: checked from outside on
// one of them, with settings small enough to see them act.
describe('demo retention settings (examples/node-http)', () => {
  let demo: RunningDemo;

  beforeAll(async () => {
    demo = await startDemo('node-http', { ...CONTRACT_ENV, TOPIC_TTL_MS: '400', MAX_TOPICS: '3' });
  });

  afterAll(async () => {
    await demo.stop('SIGTERM', 5000);
  });

  async function publishId(topic: string, data: string): Promise<string> {
    const answer = await publish(demo.url, { topic, data });
    expect(answer.status).toBe(202);
    return (answer.json as { id: string }).id;
  }

  async function resetReason(topic: string, lastEventId: string): Promise<string | undefined> {
    const client = await SseClient.connect(`${demo.url}/events?topic=${topic}`, { lastEventId });
    try {
      await client.waitFor((c) => c.events.length > 0 || c.raw.length > 0, 5000);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const reset = client.events.find((event) => event.event === 'ssekit-reset');
      return reset === undefined ? undefined : (JSON.parse(reset.data) as { reason: string }).reason;
    } finally {
      client.close();
    }
  }

  it('forgets a topic TOPIC_TTL_MS after its last publish; a resume into it is told so', async () => {
    const topic = freshTopic('ttl');
    const first = await publishId(topic, 'one');
    await publishId(topic, 'two');
    expect(await resetReason(topic, first)).toBe(undefined);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await resetReason(topic, first)).toBe('forgotten');
  });

  it('keeps at most MAX_TOPICS topics, forgetting the least recently published', async () => {
    const oldest = freshTopic('max');
    const first = await publishId(oldest, 'one');
    await publishId(oldest, 'two');
    for (let i = 0; i < 3; i++) await publishId(freshTopic('max'), 'x');
    expect(await resetReason(oldest, first)).toBe('forgotten');
  });
});
