// Counts a process's system calls over a window with `strace -c -f -p PID` (when strace is
// installed and ptrace allowed). strace slows the process a lot: use the counts, not the times.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { track } from './servers.js';

/**
 * Throws a clear error when strace cannot run here: it is not installed (a Debian package, not
 * one the tests need, so not in scripts/system-deps.sh) or this process may not trace others.
 */
export function assertStrace(): void {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'bench: BENCH_STRACE=1 needs strace, which is not installed. Install it (Debian: `apt-get install -y strace`) ' +
        'or leave BENCH_STRACE unset: the write/writev counts per delivery come from /proc without it.',
    );
  }
  const scope = (() => {
    try {
      return readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'latin1').trim();
    } catch {
      return '0';
    }
  })();
  if (scope === '3' || (scope !== '0' && process.getuid?.() !== 0)) {
    throw new Error(
      `bench: BENCH_STRACE=1 needs ptrace, but kernel.yama.ptrace_scope is ${scope}; run as root or set it to 0 (or 1 for a parent).`,
    );
  }
}

/** Calls per system call name. */
export type SyscallCounts = Record<string, number>;

/**
 * Starts counting the system calls of `pid` (all its threads). Resolves once strace is attached,
 * to a function that stops counting and resolves to the counts.
 */
export function countSyscalls(pid: number, timeoutMs = 10_000): Promise<() => Promise<SyscallCounts>> {
  const strace = spawn('strace', ['-c', '-f', '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  track(strace);
  let output = '';
  const exited = new Promise<void>((resolve) => strace.once('close', () => resolve()));
  const stop = async (): Promise<SyscallCounts> => {
    strace.kill('SIGINT');
    const timer = setTimeout(() => strace.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    const counts: SyscallCounts = {};
    // Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
    for (const line of output.split('\n')) {
      const match = /^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?([a-z_0-9]+)\s*$/.exec(line);
      if (match !== null && match[2] !== 'total') counts[match[2]!] = Number(match[1]);
    }
    return counts;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`bench: strace did not attach to ${pid} within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    strace.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    strace.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('attached')) {
        clearTimeout(timer);
        resolve(stop);
      }
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`bench: strace exited before attaching to ${pid}:\n${output}`));
    });
  });
}
