// Counts a process's system calls over a window with `strace -c -f -p PID` (when strace is
// installed and ptrace allowed). strace slows the process a lot: use the counts, not the times.
import { spawn } from 'node:child_process';
import { track } from './servers.js';

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
