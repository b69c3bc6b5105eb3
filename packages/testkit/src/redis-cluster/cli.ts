import { spawn } from 'node:child_process';
import { running } from '../redis-process.js';

/** Runs `redis-cli args` to its end (30 s at most) and resolves to what it printed. */
export function runCli(cli: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = `$ redis-cli ${args.join(' ')}\n`;
    child.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const timer = setTimeout(() => {
      if (running(child)) child.kill('SIGKILL');
    }, 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${err.message}\n${printed}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(printed);
      else reject(new Error(`redis-cli exited with ${String(code ?? signal)}:\n${printed}`));
    });
  });
}
