import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  SseClient,
  eventually,
  freshTopic,
  publish,
  repoRoot,
  request,
  startDemo,
  stats,
  wireFrame,
  withoutComments,
} from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

// Debian's nginx. As with Chromium, a missing binary fails the test with the command that
// installs it (scripts/system-deps.sh, run by `pnpm test`, does) instead of being skipped.
const NGINX = '/usr/sbin/nginx';
const SHIPPED_CONFIG = path.join(repoRoot, 'docs/examples/nginx.conf');
const RETRY_MS = 1500;
const HEARTBEAT_MS = 200;
/** The read timeout the test gives nginx: idle streams live past it only thanks to heartbeats. */
const READ_TIMEOUT_S = 1;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Ports {
  /** The shipped config. */
  shipped: number;
  /** A bare `proxy_pass` on nginx's defaults. */
  defaults: number;
  /** The same, ignoring the app's `X-Accel-Buffering`. */
  ignoring: number;
}

function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) throw new Error(`docs/examples/nginx.conf should hold "${from}" exactly once`);
  return parts.join(to);
}

/**
 * The shipped config, with the app's and nginx's addresses and a short read timeout, inside a
 * test-only frame (everything nginx writes goes to `dir`), beside two bare proxies on nginx's
 * defaults: HTTP/1.0 to the app and response buffering on. The first shows that ssekit's
 * `X-Accel-Buffering: no` is what lets events through such a proxy; the second ignores that
 * header, and must hold events back, or the checks prove nothing.
 */
async function writeConfig(dir: string, appPort: number, ports: Ports): Promise<string> {
  let shipped = await readFile(SHIPPED_CONFIG, 'utf8');
  shipped = replaceOnce(shipped, 'server 127.0.0.1:3000;', `server 127.0.0.1:${appPort};`);
  shipped = replaceOnce(shipped, 'listen 127.0.0.1:8080;', `listen 127.0.0.1:${ports.shipped};`);
  shipped = replaceOnce(shipped, 'proxy_read_timeout 60s;', `proxy_read_timeout ${READ_TIMEOUT_S}s;`);
  await writeFile(path.join(dir, 'ssekit.conf'), shipped);
  const config = `
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log notice;
events { worker_connections 64; }
http {
    access_log ${dir}/access.log;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy_temp;
    fastcgi_temp_path ${dir}/fastcgi_temp;
    uwsgi_temp_path ${dir}/uwsgi_temp;
    scgi_temp_path ${dir}/scgi_temp;

    include ${dir}/ssekit.conf;

    server {
        listen 127.0.0.1:${ports.defaults};
        location / {
            proxy_pass http://ssekit_app;
        }
    }

    server {
        listen 127.0.0.1:${ports.ignoring};
        location / {
            proxy_pass http://ssekit_app;
            proxy_ignore_headers X-Accel-Buffering;
        }
    }
}
`;
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, config);
  return file;
}

describe('examples/node-http behind a real nginx with response buffering on', () => {
  // Set as far as beforeAll got, for afterAll.
  let demo: RunningDemo | undefined;
  let dir: string | undefined;
  let appUrl = '';
  let nginx: ChildProcess | undefined;
  let nginxOutput = '';
  const urls = { shipped: '', defaults: '', ignoring: '' };
  const clients: SseClient[] = [];

  beforeAll(async () => {
    if (!existsSync(NGINX)) {
      throw new Error(
        `ssekit: the reverse-proxy test runs Debian's nginx at ${NGINX}, which is missing. ` +
          'Install it with `apt-get install -y nginx` (or run `bash scripts/system-deps.sh`) and run the tests again.',
      );
    }
    const app = await startDemo('node-http', { RETRY_MS: String(RETRY_MS), HEARTBEAT_MS: String(HEARTBEAT_MS) });
    demo = app;
    appUrl = app.url;
    const work = await mkdtemp(path.join(os.tmpdir(), 'ssekit-nginx-'));
    dir = work;
    const ports: Ports = { shipped: await freePort(), defaults: await freePort(), ignoring: await freePort() };
    const config = await writeConfig(work, app.port, ports);
    for (const key of ['shipped', 'defaults', 'ignoring'] as const) urls[key] = `http://127.0.0.1:${ports[key]}`;
    const child = spawn(NGINX, ['-p', work, '-c', config, '-e', path.join(work, 'error.log')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    nginx = child;
    child.stdout.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (nginxOutput += chunk.toString()));
    await eventually(
      async () => {
        if (child.exitCode !== null) {
          const log = await readFile(path.join(work, 'error.log'), 'utf8').catch(() => '');
          throw new Error(`nginx exited (${child.exitCode}):\n${nginxOutput}\n${log}`);
        }
        const answers = await Promise.all(
          Object.values(urls).map((base) => request(`${base}/stats`).catch(() => undefined)),
        );
        return answers.every((answer) => answer?.status === 200);
      },
      'nginx to answer',
      10_000,
    );
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    const child = nginx;
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await demo?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function connect(base: string, topic: string): Promise<SseClient> {
    let timer: NodeJS.Timeout | undefined;
    const client = await Promise.race([
      SseClient.connect(`${base}/events?topic=${topic}`),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no response head through nginx within 5 s')), 5000);
      }),
    ]).finally(() => clearTimeout(timer));
    clients.push(client);
    // The app holds the stream once it counts it: from then on a publish reaches it.
    await eventually(async () => (await stats(appUrl)).eventStreams === clients.length, 'the stream to register');
    return client;
  }

  async function publishOne(base: string, topic: string, data: string): Promise<string> {
    const answer = await publish(base, { topic, event: 'note', data });
    expect(answer.status, answer.text).toBe(202);
    const { id, delivered } = answer.json as { id: string; delivered: number };
    expect(delivered).toBe(1);
    return id;
  }

  /** Publishes events one at a time, each only after the previous one came through. */
  async function oneByOne(base: string, client: SseClient, topic: string, datas: string[]): Promise<void> {
    const before = client.events.length;
    const expected: { event: string; data: string; id: string }[] = [];
    for (const data of datas) {
      const id = await publishOne(base, topic, data);
      expected.push({ event: 'note', data, id });
      await client.waitFor((c) => c.events.length === before + expected.length, 5000, `"${data}" through nginx`);
    }
    expect(client.events.slice(before)).toEqual(expected);
  }

  async function heartbeats(client: SseClient, count: number, timeoutMs = 5000): Promise<void> {
    const from = client.comments.length;
    for (let n = 1; n <= count; n++) {
      await client.waitFor((c) => c.comments.length >= from + n, timeoutMs, `heartbeat ${n} through nginx`);
    }
  }

  function wire(events: readonly { id: string | undefined; data: string; event: string | undefined }[]): string {
    return `retry: ${RETRY_MS}\n${events.map(({ id, data, event }) => wireFrame(id ?? '', data, event)).join('')}`;
  }

  it('passes each event and each heartbeat on as it comes (the shipped config), and heartbeats outlast its read timeout', async () => {
    const topic = freshTopic('nginx');
    const client = await connect(urls.shipped, topic);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache, no-transform');
    // nginx acts on the header and does not forward it.
    expect(client.headers['x-accel-buffering']).toBeUndefined();
    await client.waitFor((c) => c.retries.length === 1, 5000, 'the retry line through nginx');

    await oneByOne(urls.shipped, client, topic, ['first', 'second\nwith two lines', 'third ✓']);
    // Idle now: heartbeats come through one by one, and keep nginx's 1 s read timeout from
    // closing the stream for three times that long.
    await heartbeats(client, (READ_TIMEOUT_S * 3000) / HEARTBEAT_MS, 10_000);
    expect(client.isEnded).toBe(false);
    await oneByOne(urls.shipped, client, topic, ['still here']);
    expect(withoutComments(client.raw)).toBe(wire(client.events));
  });

  it('passes each event and heartbeat through a bare proxy_pass on nginx defaults, thanks to X-Accel-Buffering', async () => {
    const topic = freshTopic('defaults');
    const client = await connect(urls.defaults, topic);
    await client.waitFor((c) => c.retries.length === 1, 5000, 'the retry line through nginx');
    await oneByOne(urls.defaults, client, topic, ['one', 'two\nlines', 'three 😀']);
    await heartbeats(client, 3);
    await oneByOne(urls.defaults, client, topic, ['after the heartbeats']);
    expect(withoutComments(client.raw)).toBe(wire(client.events));
  });

  it('holds events back when nginx ignores X-Accel-Buffering, so the checks above can fail', async () => {
    const topic = freshTopic('ignoring');
    // Buffered, even the response head waits for the body: read it by hand, from the start.
    const held = { status: 0, body: '' };
    const req = http.get(`${urls.ignoring}/events?topic=${topic}`, { agent: false }, (res) => {
      held.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (held.body += chunk));
    });
    req.on('error', () => undefined);
    try {
      await eventually(async () => (await stats(appUrl)).eventStreams === 1, 'the stream to register');
      const id = await publishOne(appUrl, topic, 'small');
      // A clear criterion rather than a race: with buffering on, these few bytes (and the
      // heartbeats that follow) sit in nginx's 4/8 KiB buffer until it fills; unbuffered, they
      // arrive within milliseconds, so one second is ample.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(held).toEqual({ status: 0, body: '' });
      // Filling the buffer pushes them out: the route works, it only buffers.
      const filler = 'x'.repeat(4096);
      for (let i = 0; i < 16; i++) await publishOne(appUrl, topic, filler);
      const head = `retry: ${RETRY_MS}\n${wireFrame(id, 'small', 'note')}`;
      await eventually(() => held.body.length >= head.length, 'the held events once the buffer filled');
      expect(held.status).toBe(200);
      expect(held.body.slice(0, head.length)).toBe(head);
    } finally {
      req.destroy();
    }
  });
});
