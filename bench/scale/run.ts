// `pnpm bench scale`: examples/cluster on a private redis-server holding N streams. Workers are
// sized so none passes the open-file limit; the load generators run in several processes, each
// connecting from its own loopback address (127.0.0.2, 127.0.0.3, ...) so the ephemeral port
// range is not the limit. From a standing start (cluster up, load generators up, no stream) it
// measures how long until every stream is connected, then one publish at a time: the time until
// the last subscriber has it, loss, CPU per delivery, and memory per stream.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startRedis } from '../../packages/testkit/src/redis-server.js';
import type { RunningRedis } from '../../packages/testkit/src/redis-server.js';
import { SubscriberPool } from '../fanout/clients.js';
import type { ConnectOutcome } from '../fanout/clients.js';
import { runPhase } from '../fanout/measure-server.js';
import { LOCAL_PORTS, LOCAL_PORT_COUNT } from '../fanout/local-ports.js';
import { TIMELINE_STEP_MS } from '../fanout/messages.js';
import { PROBE_FLAGS, probeEnv, weigh } from '../fanout/probe.js';
import { assertOpenFileLimit, cpuMicros, rssBytes } from '../fanout/proc.js';
import { Publisher } from '../fanout/publisher.js';
import type { PhaseResult } from '../fanout/results.js';
import { installCleanup } from '../fanout/run.js';
import { ROOT, assertBuilt, killChildren, startServer } from '../fanout/servers.js';
import type { RunningServer, ServerSpec } from '../fanout/servers.js';
import { readScaleConfig } from './config.js';
import type { ScaleConfig } from './config.js';
import { counterDelta, sysctl, tcpCounters, watchListenQueue } from './kernel.js';
import type { ListenQueue } from './kernel.js';
import { printConnectProfile, profileFlags } from './profile.js';
import { redisCpuMicros } from './redis-cpu.js';
import { SCALE_JSON_PATH, SCALE_LEGEND, formatScale, formatScaleTargets, writeScaleJson } from './report.js';
import type { ScaleResult } from './report.js';

export const CLUSTER: ServerSpec = {
  name: 'cluster',
  label: 'examples/cluster: node:cluster workers on one Redis',
  kind: 'demo',
  role: 'ssekit',
  root: ROOT,
  cwd: 'examples/cluster',
  script: 'src/server.ts',
};

/** Room for a process's own files beyond its sockets. */
const SPARE_FILES = 500;
const PROBE_ROOT = path.join(ROOT, '.bench-out', 'probe');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** How many workers and load generators `streams` need, or a clear error when they cannot be had. */
export function plan(config: ScaleConfig, streams: number): { workers: number; clients: number; addresses: string[] } {
  const workers = Math.ceil(streams / config.perWorker);
  const clients = Math.ceil(streams / config.perClient);
  if (config.perClient > LOCAL_PORT_COUNT) {
    throw new Error(
      `bench: BENCH_SCALE_PER_CLIENT=${config.perClient} streams from one source address would need more than the ` +
        `${LOCAL_PORT_COUNT} ports a load generator binds it with (${LOCAL_PORTS.first}-${LOCAL_PORTS.last}); lower it.`,
    );
  }
  if (config.firstAddress + clients - 1 > 254) {
    throw new Error(
      `bench: ${clients} load generators need addresses up to 127.0.0.${config.firstAddress + clients - 1}; raise BENCH_SCALE_PER_CLIENT.`,
    );
  }
  // Round-robin hands every worker the same share; the spare room covers an uneven kernel
  // (NODE_CLUSTER_SCHED_POLICY=none) only partly, which the result's distribution shows.
  assertOpenFileLimit(
    Math.ceil(streams / workers) + SPARE_FILES,
    `cluster worker (${Math.ceil(streams / workers)} streams)`,
  );
  assertOpenFileLimit(
    Math.ceil(streams / clients) + SPARE_FILES,
    `load generator (${Math.ceil(streams / clients)} streams)`,
  );
  const addresses = Array.from({ length: clients }, (_, i) => `127.0.0.${config.firstAddress + i}`);
  return { workers, clients, addresses };
}

function getJson(port: number, route: string, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: route, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${route}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** The workers' PIDs and open streams, from the cluster's `/stats` (which asks every worker). */
async function workersOf(port: number): Promise<{ pid: number; connections: number }[]> {
  const stats = (await getJson(port, '/stats')) as { workers?: { pid: number; connections: number }[] };
  return stats.workers ?? [];
}

/** The time by which `fraction` of `total` streams were open, s (from the connect timeline). */
function timeTo(outcome: ConnectOutcome, total: number, fraction: number): number | undefined {
  const wanted = Math.ceil(total * fraction);
  let sum = 0;
  for (const [step, n] of outcome.timeline.entries()) {
    sum += n;
    if (sum >= wanted) return ((step + 1) * TIMELINE_STEP_MS) / 1000;
  }
  return undefined;
}

/** One scale run at `streams`. Never throws once the cluster started: a failure is in the result. */
async function runOnce(config: ScaleConfig, streams: number, redis: RunningRedis): Promise<ScaleResult> {
  const { workers, clients, addresses } = plan(config, streams);
  const result: ScaleResult = {
    streams,
    workers,
    clients,
    inflight: config.inflight,
    clusterEnv: config.clusterEnv,
    status: 'ok',
  };
  console.log(
    `\n${streams.toLocaleString('en-US')} streams: ${workers} workers, ${clients} load generators on ` +
      `${addresses[0]!}..${addresses[addresses.length - 1]!}, ${config.inflight} handshakes in flight each` +
      (Object.keys(config.clusterEnv).length > 0 ? `, cluster env ${JSON.stringify(config.clusterEnv)}` : ''),
  );
  mkdirSync(PROBE_ROOT, { recursive: true });
  const probeDir = mkdtempSync(path.join(PROBE_ROOT, 'scale-'));
  let server: RunningServer | undefined;
  let pool: SubscriberPool | undefined;
  let publisher: Publisher | undefined;
  let workerPids: number[] = [];
  const profileDir = config.profile ? path.join(ROOT, '.bench-out', 'profiles', `scale-${streams}`) : undefined;
  if (profileDir !== undefined) rmSync(profileDir, { recursive: true, force: true });
  let connectWindow: [number, number, number] | undefined;
  try {
    const started = performance.now();
    // Cluster workers inherit the primary's node flags, the memory probe's included.
    const flags = [...PROBE_FLAGS, ...(profileDir === undefined ? [] : profileFlags(profileDir))];
    server = await startServer(CLUSTER, flags, 300_000, {
      ...probeEnv(probeDir),
      REDIS_URL: redis.url,
      WORKERS: String(workers),
      // Thousands of streams come from each load generator's one address.
      MAX_CONNECTIONS_PER_CLIENT: '0',
      ...config.clusterEnv,
    });
    const port = server.port;
    pool = new SubscriberPool(clients, addresses);
    const list = await workersOf(port);
    workerPids = list.map((w) => w.pid);
    if (workerPids.length !== workers)
      throw new Error(`the cluster reports ${workerPids.length} workers, not ${workers}`);
    const pids = [server.pid, ...workerPids];
    console.log(`  cluster up in ${((performance.now() - started) / 1000).toFixed(1)} s (primary ${server.pid})`);
    await sleep(1000);
    const weighAll = async (): Promise<{ rss: number; heap: number }> => {
      const parts = await Promise.all(workerPids.map((pid) => weigh(pid, probeDir, 60_000)));
      return {
        rss: parts.reduce((sum, w) => sum + w.rssBytes, rssBytes(server!.pid)),
        heap: parts.reduce((sum, w) => sum + w.heapUsedBytes + w.externalBytes, 0),
      };
    };
    const before = await weighAll();

    // The standing start: everything up, no stream; then every load generator at once.
    const cpu = (list: readonly number[]): number => list.reduce((sum, pid) => sum + cpuMicros(pid), 0);
    const countersBefore = tcpCounters();
    const cpuBefore = { primary: cpu([server.pid]), workers: cpu(workerPids), clients: cpu(pool.pids) };
    const stopWatching = watchListenQueue(port);
    const windowStart = Number(process.hrtime.bigint() / 1000n);
    const connect = await pool.connect(port, '/events', streams, config.connectSeconds * 1000, config.inflight);
    connectWindow = [windowStart, Number(process.hrtime.bigint() / 1000n), connect.open];
    const queue: ListenQueue | undefined = await stopWatching();
    const seconds = (connect.lastOpenUs - connect.startedUs) / 1e6;
    result.connect = {
      open: connect.open,
      failed: connect.failed,
      errors: connect.errors,
      seconds,
      perSecond: connect.open / seconds,
      at: {
        p50: timeTo(connect, streams, 0.5),
        p90: timeTo(connect, streams, 0.9),
        p99: timeTo(connect, streams, 0.99),
      },
      handshakeMs: {
        p50: connect.handshake.percentile(0.5) / 1000,
        p99: connect.handshake.percentile(0.99) / 1000,
        max: connect.handshake.max / 1000,
      },
      cpuSeconds: {
        primary: (cpu([server.pid]) - cpuBefore.primary) / 1e6,
        workers: (cpu(workerPids) - cpuBefore.workers) / 1e6,
        clients: (cpu(pool.pids) - cpuBefore.clients) / 1e6,
      },
      kernel: counterDelta(countersBefore, tcpCounters()),
      ...(queue === undefined ? {} : { fullestAcceptQueue: queue.waiting, backlog: queue.backlog }),
      timeline: connect.timeline,
    };
    console.log(
      `  connected ${connect.open.toLocaleString('en-US')} of ${streams.toLocaleString('en-US')} in ${seconds.toFixed(1)} s ` +
        `(${Math.round(result.connect.perSecond).toLocaleString('en-US')}/s)`,
    );
    if (connect.open === 0) throw new Error(`no stream opened: ${connect.errors.join('; ')}`);

    await sleep(2000);
    const idle = await weighAll();
    result.memory = {
      rssPerStream: (idle.rss - before.rss) / connect.open,
      heapPerStream: (idle.heap - before.heap) / connect.open,
    };
    result.distribution = (await workersOf(port)).map((w) => w.connections);

    // One publish at a time, each to every stream: the time until the last one has it.
    publisher = new Publisher(port);
    const active = publisher;
    await active.publish(999_999_999);
    await sleep(500);
    const redisBefore = await redisCpuMicros(redis.port);
    const phases: PhaseResult[] = [];
    for (let i = 0; i < config.publishes; i++) {
      const deadlineMs = config.publishSeconds * 1000;
      const phase = await runPhase(pids, pool, { name: `publish-${i}`, first: i, count: 1, deadlineMs }, () =>
        active.burst(i, 1, 1, deadlineMs),
      );
      phases.push(phase);
      if (!phase.completed) console.log(`  publish ${i}: not every stream had it within ${config.publishSeconds} s`);
      await sleep(config.gapMs);
    }
    const redisAfter = await redisCpuMicros(redis.port);
    const lastMs = phases.map((p) => p.latencyMs.max).sort((a, b) => a - b);
    const pick = (fraction: number): number =>
      lastMs[Math.min(lastMs.length - 1, Math.ceil(fraction * lastMs.length) - 1)]!;
    const deliveries = phases.reduce((sum, p) => sum + p.deliveries, 0);
    const serverCpuUs = phases.reduce((sum, p) => sum + p.serverCpuUs, 0);
    result.publish = {
      publishes: phases.length,
      accepted: phases.reduce((sum, p) => sum + p.accepted, 0),
      deliveries,
      expected: phases.reduce((sum, p) => sum + p.expected, 0),
      missing: phases.reduce((sum, p) => sum + p.missing, 0),
      duplicates: phases.reduce((sum, p) => sum + p.duplicates, 0),
      closed: phases.reduce((sum, p) => sum + p.closed, 0),
      lastSubscriberMs: { p50: pick(0.5), p99: pick(0.99), max: lastMs[lastMs.length - 1]! },
      deliveryP50Ms: phases.map((p) => p.latencyMs.p50).sort((a, b) => a - b)[Math.floor(phases.length / 2)]!,
      cpuUsPerDelivery: serverCpuUs / deliveries,
      clientCpuUsPerDelivery: phases.reduce((sum, p) => sum + p.clientCpuUsPerDelivery * p.deliveries, 0) / deliveries,
      ...(redisBefore === undefined || redisAfter === undefined
        ? {}
        : { redisCpuUsPerPublish: (redisAfter - redisBefore) / phases.length }),
      writesPerDelivery: phases.every((p) => p.writeCalls !== undefined)
        ? phases.reduce((sum, p) => sum + p.writeCalls!, 0) / deliveries
        : undefined,
    };
    console.log(
      `  ${phases.length} publishes: last subscriber p50 ${pick(0.5).toFixed(0)} ms, p99 ${pick(0.99).toFixed(0)} ms; ` +
        `${result.publish.missing} lost`,
    );
  } catch (err) {
    result.status = 'failed';
    result.error = err instanceof Error ? err.message : String(err);
    console.log(`  FAILED: ${result.error}`);
  } finally {
    publisher?.close();
    const closing = performance.now();
    await pool?.closeAll().catch(() => undefined);
    await pool?.stop();
    await server?.stop(15_000);
    // A worker outlives a killed primary only until it notices; any still here goes by PID.
    for (const pid of workerPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(probeDir, { recursive: true, force: true });
    console.log(`  stopped in ${((performance.now() - closing) / 1000).toFixed(1)} s`);
    if (profileDir !== undefined && connectWindow !== undefined && server !== undefined) {
      printConnectProfile(profileDir, server.pid, ...connectWindow);
    }
  }
  return result;
}

/** Runs the scenario at every `BENCH_SCALE_STREAMS` count, prints the tables, writes .bench-out/scale.json. */
export async function runScaleBench(config: ScaleConfig = readScaleConfig()): Promise<ScaleResult[]> {
  assertBuilt();
  for (const streams of config.streams) plan(config, streams);
  const uninstall = installCleanup();
  const results: ScaleResult[] = [];
  let redis: RunningRedis | undefined;
  const settings = {
    somaxconn: sysctl('net.core.somaxconn'),
    tcpMaxSynBacklog: sysctl('net.ipv4.tcp_max_syn_backlog'),
    syncookies: sysctl('net.ipv4.tcp_syncookies'),
    portRange: sysctl('net.ipv4.ip_local_port_range'),
  };
  console.log(
    `net.core.somaxconn ${settings.somaxconn ?? '?'}, net.ipv4.tcp_max_syn_backlog ${settings.tcpMaxSynBacklog ?? '?'}, ` +
      `tcp_syncookies ${settings.syncookies ?? '?'}, ip_local_port_range ${settings.portRange ?? '?'}`,
  );
  try {
    redis = await startRedis();
    for (const streams of config.streams) results.push(await runOnce(config, streams, redis));
  } finally {
    killChildren();
    await redis?.stop().catch(() => undefined);
    uninstall();
  }
  console.log(`\n${formatScale(results)}\n\n### Targets\n\n${formatScaleTargets(results)}\n\n${SCALE_LEGEND}`);
  writeScaleJson(results, settings, config);
  console.log(`\nresults: ${SCALE_JSON_PATH}`);
  return results;
}
