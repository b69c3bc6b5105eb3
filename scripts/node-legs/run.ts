// The Node 22 and 24 legs of the test command: runs the suites of vitest.config.ts under each
// Node that this package installs from the npm registry, one leg after the other, with that
// Node first on PATH so the demos the suites start run on it too. Fails when a Node is missing
// or a leg fails.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const LEGS = [22, 24] as const;

/** The binary of Node `major` for this platform, from `node<major>-<platform>-<arch>`. */
function nodeBinary(major: number): string {
  const alias = `node${major}-${process.platform}-${process.arch}`;
  const binary = path.join(HERE, 'node_modules', alias, 'bin', 'node');
  if (!existsSync(binary)) {
    throw new Error(
      `Node ${major} is missing: ${path.relative(ROOT, binary)} does not exist. ` +
        `Run \`pnpm install\`; scripts/node-legs/package.json lists Node ${major} for linux-x64 and linux-arm64 only.`,
    );
  }
  return binary;
}

const vitest = path.join(path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');

function runLeg(major: number, binary: string): Promise<number> {
  const child = spawn(binary, [vitest, 'run', '--config', path.join(HERE, 'vitest.config.ts')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      PATH: `${path.dirname(binary)}${path.delimiter}${process.env.PATH ?? ''}`,
      SSEKIT_NODE_MAJOR: String(major),
    },
  });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128))));
}

async function main(): Promise<void> {
  // Every Node is found before any leg runs, so a missing one fails at once.
  const binaries = LEGS.map((major) => [major, nodeBinary(major)] as const);
  const failed: string[] = [];
  for (const [major, binary] of binaries) {
    const started = Date.now();
    process.stdout.write(`\nNode ${major} leg (${path.relative(ROOT, binary)})\n`);
    const code = await runLeg(major, binary);
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stdout.write(`Node ${major} leg: ${code === 0 ? 'passed' : `FAILED (exit ${code})`} in ${seconds} s\n`);
    if (code !== 0) failed.push(`Node ${major}`);
  }
  if (failed.length > 0) throw new Error(`the ${failed.join(' and ')} leg failed`);
}

main().catch((err: unknown) => {
  process.stderr.write(`node legs: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
