// What the kernel knows about a process: its CPU time and resident memory (read from /proc, so
// the server under test runs unmodified), and this process's open-file limit.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

/** Clock ticks per second of `utime`/`stime` in `/proc/<pid>/stat` (`getconf CLK_TCK`, usually 100). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds. The kernel
 * counts it in clock ticks (10 ms at 100 Hz): phases are long enough for that to be noise.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / clockTicks();
}

/** Resident set size of a process, in bytes (`VmRSS` of `/proc/<pid>/status`). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error(`bench: no VmRSS for process ${pid}; is it still running?`);
  return Number(match[1]) * 1024;
}

/**
 * `write` and `writev` calls a process (all its threads) has made so far: `syscw` of
 * `/proc/<pid>/io`, which the kernel counts in those two calls (and in `pwrite*`, which a server
 * does not make on sockets). Free to read, unlike strace, so every burst is counted.
 */
export function writeCalls(pid: number): number {
  const io = readFileSync(`/proc/${pid}/io`, 'latin1');
  const match = /^syscw:\s+(\d+)/m.exec(io);
  if (match === null) throw new Error(`bench: no syscw in /proc/${pid}/io (a kernel without task I/O accounting?)`);
  return Number(match[1]);
}

/** The soft limit on open files of this process (children inherit it), from `/proc/self/limits`. */
export function openFileLimit(): number {
  const limits = readFileSync('/proc/self/limits', 'latin1');
  const match = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  if (match === null) throw new Error('bench: cannot read "Max open files" from /proc/self/limits.');
  return match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1]);
}

/**
 * Throws a clear error when a process started from here could not hold `files` open files
 * (sockets count): better now than as EMFILE halfway through a run.
 * @param files - the most open files any one process of the run will hold.
 * @param who - which process that is, for the message.
 */
export function assertOpenFileLimit(files: number, who: string): void {
  const limit = openFileLimit();
  if (limit < files) {
    throw new Error(
      `bench: the ${who} needs about ${files} open files but the limit is ${limit}. ` +
        `Raise it (\`ulimit -n ${files}\` in this shell, or LimitNOFILE for a service) or pick fewer ` +
        `subscribers (BENCH_SUBSCRIBERS) / more client processes (BENCH_CLIENT_PROCESSES).`,
    );
  }
}
