// What the kernel says about accepting connections: the TCP counters of /proc/net/netstat and
// /proc/net/snmp (listen queue overflows, SYN cookies, retransmitted SYNs), the listen socket's
// accept queue as `ss` shows it, and the sysctls that bound it. The counters are the whole
// machine's: other work on it counts too, which is small next to a connect storm.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** The counters worth watching while connections pour in. */
export const WATCHED = [
  'TcpExt.ListenOverflows',
  'TcpExt.ListenDrops',
  'TcpExt.SyncookiesSent',
  'TcpExt.TCPReqQFullDoCookies',
  'TcpExt.TCPReqQFullDrop',
  'TcpExt.TCPTimeouts',
  'TcpExt.TCPSynRetrans',
  'Tcp.RetransSegs',
  'Tcp.PassiveOpens',
  'Tcp.AttemptFails',
] as const;

/** `Group.Name` → value, from the two-line (names, values) tables of a /proc/net file. */
function readTable(file: string): Record<string, number> {
  const out: Record<string, number> = {};
  let lines: string[];
  try {
    lines = readFileSync(file, 'latin1').split('\n');
  } catch {
    return out;
  }
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const names = lines[i]!.split(/\s+/);
    const values = lines[i + 1]!.split(/\s+/);
    const group = names[0]!.replace(/:$/, '');
    for (let j = 1; j < names.length; j++) out[`${group}.${names[j]!}`] = Number(values[j]);
  }
  return out;
}

/** The TCP counters now. */
export function tcpCounters(): Record<string, number> {
  return { ...readTable('/proc/net/netstat'), ...readTable('/proc/net/snmp') };
}

/** `after - before` for the {@link WATCHED} counters. */
export function counterDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of WATCHED) {
    if (name in before && name in after) out[name] = after[name]! - before[name]!;
  }
  return out;
}

/** A sysctl's value, or undefined when it cannot be read. */
export function sysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'latin1').trim();
  } catch {
    return undefined;
  }
}

/** One look at a listening socket: connections waiting in its accept queue, and its backlog. */
export interface ListenQueue {
  waiting: number;
  backlog: number;
}

/** The listen socket on 127.0.0.1:`port` as `ss -ltnH` shows it, or undefined without ss. */
export function listenQueue(port: number): Promise<ListenQueue | undefined> {
  return new Promise((resolve) => {
    execFile('ss', ['-ltnH', 'sport', '=', `:${port}`], { timeout: 2000 }, (err, stdout) => {
      if (err !== null) {
        resolve(undefined);
        return;
      }
      // State Recv-Q Send-Q Local Peer: for a listener, Recv-Q is the accept queue, Send-Q the backlog.
      const fields = stdout.trim().split(/\s+/);
      resolve(fields.length >= 3 ? { waiting: Number(fields[1]), backlog: Number(fields[2]) } : undefined);
    });
  });
}

/** Samples {@link listenQueue} every `everyMs` until stopped; resolves to the fullest look and the backlog. */
export function watchListenQueue(port: number, everyMs = 250): () => Promise<ListenQueue | undefined> {
  let stopped = false;
  let fullest: ListenQueue | undefined;
  const loop = (async () => {
    while (!stopped) {
      const look = await listenQueue(port);
      if (look !== undefined && (fullest === undefined || look.waiting > fullest.waiting)) fullest = look;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return fullest;
  };
}
