import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHub } from '@ssekit/core';
import type { HubOptions, HubStats } from '@ssekit/core';
import { sse as expressSse } from '@ssekit/express';
import { ssekit } from '@ssekit/fastify';
import { sse as koaSse } from '@ssekit/koa';
import { createSseHandler, openStream } from '@ssekit/node';
import { sseHandler } from '@ssekit/web';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { SubscribeOptions as ClientOptions } from '../../client/src/index.js';
import type { HubMetricsOptions } from '../../metrics/src/index.js';
import type { RedisBackendOptions, RedisClusterBackendOptions } from '../../redis/src/index.js';
import { repoRoot } from '../src/demo.js';

// Every option table of a package README lists exactly the options the code takes. For the
// adapters the code's own list is the one it checks keys against (the shared admission's and
// the adapter's own): an unknown key's error names them all. For option types without such a
// check, a record that must have every key of the type, and only those, stands for the type.

/** The option names an `invalid_option` error for an unknown key lists ("It takes `a`, `b`."). */
async function keysNamedBy(make: () => unknown): Promise<string[]> {
  let message = '';
  try {
    await make();
  } catch (err) {
    message = (err as Error).message;
  }
  const list = /[Ii]t takes (.*)\.$/.exec(message)?.[1];
  if (list === undefined) throw new Error(`no list of options in ${JSON.stringify(message)}`);
  return [...list.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string);
}

const hub = createHub({ heartbeatMs: 0 });
const unknown = { zzz: 1 };

const HUB_OPTIONS = {
  store: true,
  replaySize: true,
  bus: true,
  retry: true,
  heartbeatMs: true,
  heartbeatComment: true,
  writeTimeoutMs: true,
  maxBufferedBytes: true,
  slowClientPolicy: true,
  serialize: true,
  hooks: true,
  maxConnections: true,
  maxConnectionsPerClient: true,
  maxLifetimeMs: true,
  lifetimeJitter: true,
  topicTtlMs: true,
  maxTopics: true,
  maxTopicsPerStream: true,
  maxReplayEvents: true,
  maxReplayBytes: true,
  flushIntervalMs: true,
} satisfies Record<keyof HubOptions, true>;

const REDIS_BACKEND_OPTIONS = {
  url: true,
  client: true,
  sentinel: true,
  prefix: true,
  lingerMs: true,
  size: true,
  pageSize: true,
  commandTimeoutMs: true,
  onError: true,
  topicTtlMs: true,
  replicaAcks: true,
  cluster: true,
  group: true,
} satisfies Record<keyof RedisBackendOptions | keyof RedisClusterBackendOptions, true>;

const METRICS_OPTIONS = {
  registry: true,
  prefix: true,
  topicLabel: true,
  maxTopicSeries: true,
  latencyBuckets: true,
} satisfies Record<keyof HubMetricsOptions, true>;

const CLIENT_OPTIONS = {
  lastEventId: true,
  parse: true,
  method: true,
  body: true,
  headers: true,
  credentials: true,
  signal: true,
  fetch: true,
  sendLastEventId: true,
  retry: true,
  maxRetryMs: true,
  inactivityMs: true,
  onState: true,
  onError: true,
} satisfies Record<keyof ClientOptions, true>;

interface Table {
  /** The README, from the repository root. */
  readonly readme: string;
  /** Text just before the table, that names what the table lists. */
  readonly after: string;
  /** The names the code takes. */
  readonly keys: () => string[] | Promise<string[]>;
}

const TABLES: Table[] = [
  { readme: 'packages/core/README.md', after: '## Hub', keys: () => Object.keys(HUB_OPTIONS) },
  {
    readme: 'packages/core/README.md',
    after: '`hub.stats()` counts',
    keys: () => Object.keys(hub.stats() satisfies HubStats),
  },
  {
    readme: 'packages/node/README.md',
    after: '`createSseHandler({ hub, ...options })`: `SseHandlerOptions`',
    keys: () => keysNamedBy(() => createSseHandler({ hub, ...unknown })),
  },
  {
    readme: 'packages/node/README.md',
    after: '`openStream(req, res, options)`: `OpenStreamOptions`',
    keys: () => keysNamedBy(() => openStream({} as never, {} as never, unknown as never)),
  },
  {
    readme: 'packages/express/README.md',
    after: '`sse({ hub, ...options })`:',
    keys: () => keysNamedBy(() => expressSse({ hub, ...unknown } as never)),
  },
  {
    readme: 'packages/express/README.md',
    after: '`sse(handler, options)`:',
    keys: () => keysNamedBy(() => expressSse(() => undefined, unknown as never)),
  },
  {
    readme: 'packages/koa/README.md',
    after: '`sse({ hub, ...options })`: `KoaSseOptions`',
    keys: () => keysNamedBy(() => koaSse({ hub, ...unknown } as never)),
  },
  {
    readme: 'packages/koa/README.md',
    after: '`sse(handler, options)`: `KoaStreamOptions`',
    keys: () => keysNamedBy(() => koaSse(() => undefined, unknown as never)),
  },
  {
    readme: 'packages/fastify/README.md',
    after: '`app.register(ssekit, { hub, ...options })`',
    // The plugin takes the hub, and the options of its routes.
    keys: async () => [
      'hub',
      ...(await keysNamedBy(async () => {
        const app = Fastify();
        try {
          await app.register(ssekit, { hub, ...unknown } as never);
        } finally {
          await app.close();
        }
      })),
    ],
  },
  {
    readme: 'packages/fastify/README.md',
    after: '`reply.sse(drive, options)`:',
    // `reply.sse(handler, options)` opens the stream with @ssekit/node's openStream.
    keys: () => keysNamedBy(() => openStream({} as never, {} as never, unknown as never)),
  },
  {
    readme: 'packages/web/README.md',
    after: '`sseHandler({ hub, ...options })` and `sseResponse(request, { hub, ...options })`:',
    keys: () => keysNamedBy(() => sseHandler({ hub, ...unknown })),
  },
  {
    readme: 'packages/redis/README.md',
    after: '`createRedisBackend(options)` returns',
    keys: () => Object.keys(REDIS_BACKEND_OPTIONS),
  },
  { readme: 'packages/client/README.md', after: '## Options', keys: () => Object.keys(CLIENT_OPTIONS) },
  {
    readme: 'packages/metrics/README.md',
    after: '`createHubMetrics(options)` and `collectHubMetrics(hub, options)`:',
    keys: () => Object.keys(METRICS_OPTIONS),
  },
];

/** An option table: a header row `| option |` (or `| stat |`), then rows whose first cell is `name`. */
const TABLE_HEADER = /^\| (option|stat) +\|/;

/** The first-column names of the first option table after `after` in `readme`. */
function tableAfter(readme: string, after: string): string[] {
  const text = readFileSync(path.join(repoRoot, readme), 'utf8');
  const start = text.indexOf(after);
  if (start < 0) throw new Error(`${readme} has no ${JSON.stringify(after)}`);
  const lines = text.slice(start).split('\n');
  const header = lines.findIndex((line) => TABLE_HEADER.test(line));
  if (header < 0) throw new Error(`${readme} has no option table after ${JSON.stringify(after)}`);
  const names: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    const name = /^\| `([^`]+)` /.exec(line)?.[1];
    if (name === undefined) throw new Error(`${readme}: a row without a \`name\`: ${line}`);
    names.push(name);
  }
  return names;
}

describe('the option tables of the package READMEs', () => {
  it.each(TABLES)('$readme, after "$after": the options the code takes, each once', async ({ readme, after, keys }) => {
    const listed = tableAfter(readme, after);
    expect(new Set(listed).size, `${readme} lists an option twice`).toBe(listed.length);
    expect([...listed].sort()).toEqual([...(await keys())].sort());
  });

  it('covers every option table of every package README', () => {
    const found: string[] = [];
    for (const folder of readdirSync(path.join(repoRoot, 'packages'))) {
      const readme = `packages/${folder}/README.md`;
      let text: string;
      try {
        text = readFileSync(path.join(repoRoot, readme), 'utf8');
      } catch {
        continue;
      }
      const count = text.split('\n').filter((line) => TABLE_HEADER.test(line)).length;
      for (let i = 0; i < count; i++) found.push(readme);
    }
    expect(found.sort()).toEqual(TABLES.map((table) => table.readme).sort());
  });
});
