// Before and after in one run: `BENCH_BASELINE=<git ref>` checks that commit out as a git worktree
// under .bench-out/baseline/<sha>, installs it from the lockfile, and adds its demos to the run
// next to the working tree's, named `node-http@<short sha>`. The worktree is kept for the next run
// at the same commit and replaced (the old one removed) when another commit is asked for.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SERVERS, fromSource } from './servers.js';
import type { ServerSpec } from './servers.js';

/** Where baseline worktrees live (gitignored, like everything under .bench-out). */
export const BASELINE_DIR = path.join(ROOT, '.bench-out', 'baseline');

/** How long installing (and, for an old commit, building) a baseline may take. */
const INSTALL_TIMEOUT_MS = 10 * 60_000;

/** A commit checked out and installed, ready to run its demos. */
export interface Baseline {
  /** The ref as given (`main~3`). */
  ref: string;
  sha: string;
  /** The abbreviated sha that names its rows. */
  short: string;
  /** The worktree's directory. */
  root: string;
}

function git(args: readonly string[], cwd = ROOT): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The commit `ref` names, or a clear error. */
export function resolveRef(ref: string): { sha: string; short: string } {
  let sha: string;
  try {
    sha = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(
      `bench: BENCH_BASELINE=${ref} does not name a commit in this repository ` +
        '(try a branch, a tag, a sha or a relative ref such as main~3; `git log --oneline` lists them).',
    );
  }
  return { sha, short: sha.slice(0, 8) };
}

/** The marker written once a worktree is installed (and built when needed): outside it, so it stays clean. */
function readyMarker(sha: string): string {
  return path.join(BASELINE_DIR, `${sha}.ready`);
}

/** Removes one baseline worktree, registered or not. */
function removeWorktree(dir: string): void {
  try {
    git(['worktree', 'remove', '--force', dir]);
  } catch {
    // Not registered (or already half gone): the directory goes by hand, the registration by prune.
  }
  rmSync(dir, { recursive: true, force: true });
  git(['worktree', 'prune']);
}

/**
 * Removes every baseline worktree and marker except `keep` (a sha), and prunes git's records of
 * worktrees whose directory is gone.
 */
export function cleanBaselines(keep?: string): string[] {
  const removed: string[] = [];
  if (existsSync(BASELINE_DIR)) {
    for (const entry of readdirSync(BASELINE_DIR)) {
      const sha = entry.replace(/\.ready$/, '');
      if (sha === keep) continue;
      const full = path.join(BASELINE_DIR, entry);
      if (entry.endsWith('.ready')) rmSync(full, { force: true });
      else {
        removeWorktree(full);
        removed.push(entry);
      }
    }
  }
  git(['worktree', 'prune']);
  return removed;
}

/** Runs a command in `cwd`, its output kept for the error message; rejects on failure or timeout. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, CI: '1', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-6000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')}: ${err.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        reject(
          new Error(
            `\`${command} ${args.join(' ')}\` in ${path.relative(ROOT, cwd)} ${signal === 'SIGKILL' ? `took over ${timeoutMs / 1000} s` : `failed (${code ?? signal ?? '?'})`}:\n` +
              output.trim().split('\n').slice(-20).join('\n'),
          ),
        );
    });
  });
}

/**
 * True when the demos at that commit will load ssekit's `dist/`: always, unless BENCH_FROM_SOURCE=1
 * and every demo there starts from source.
 */
function needsBuild(root: string): boolean {
  if (!fromSource()) return true;
  return SERVERS.filter((s) => s.kind === 'demo').some((s) => {
    const manifest = path.join(root, s.cwd, 'package.json');
    if (!existsSync(manifest)) return false;
    const start = (JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> }).scripts?.start;
    return start !== undefined && !start.includes('ssekit-source');
  });
}

/**
 * Checks `ref` out under .bench-out/baseline/<sha> (reusing the worktree when it is already there
 * at that sha, clean, installed and built), runs `pnpm install --frozen-lockfile --prefer-offline`
 * and `pnpm build` in it (the build only when BENCH_FROM_SOURCE=1 says the demos load ssekit's
 * sources and every demo there can). Any other baseline worktree is removed
 * first; a worktree left half made by a failure is removed before the error is thrown.
 * @param ref - a git ref (`main~3`, a sha, a tag).
 * @param log - where progress goes.
 */
export async function prepareBaseline(ref: string, log: (line: string) => void = console.log): Promise<Baseline> {
  const { sha, short } = resolveRef(ref);
  const root = path.join(BASELINE_DIR, sha);
  const baseline: Baseline = { ref, sha, short, root };
  cleanBaselines(sha);
  if (existsSync(root) && existsSync(readyMarker(sha))) {
    let head = '';
    let dirty = true;
    try {
      head = git(['rev-parse', 'HEAD'], root);
      dirty = git(['status', '--porcelain', '--untracked-files=no'], root) !== '';
    } catch {
      // Not a usable worktree: made again below.
    }
    // Made from source earlier and now wanted from dist/: build it (or make it again).
    const built = readFileSync(readyMarker(sha), 'utf8').startsWith('built');
    if (head === sha && !dirty && (built || !needsBuild(root))) {
      log(`baseline ${ref} = ${short}: reusing ${path.relative(ROOT, root)}`);
      return baseline;
    }
    log(
      `baseline ${ref} = ${short}: ${path.relative(ROOT, root)} is ${head === sha ? 'modified' : 'not at that commit'}; making it again`,
    );
  }
  rmSync(readyMarker(sha), { force: true });
  if (existsSync(root)) removeWorktree(root);
  mkdirSync(BASELINE_DIR, { recursive: true });
  const started = performance.now();
  log(`baseline ${ref} = ${short}: git worktree add ${path.relative(ROOT, root)}, pnpm install`);
  try {
    git(['worktree', 'add', '--detach', root, sha]);
    await run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], root, INSTALL_TIMEOUT_MS);
    if (needsBuild(root)) {
      log(`baseline ${short}: pnpm build (the demos load ssekit from dist/)`);
      await run('pnpm', ['build'], root, INSTALL_TIMEOUT_MS);
    }
  } catch (err) {
    removeWorktree(root);
    throw new Error(
      `bench: could not prepare BENCH_BASELINE=${ref} (${short}); the worktree was removed. ` +
        (err instanceof Error ? err.message : String(err)),
    );
  }
  writeFileSync(readyMarker(sha), needsBuild(root) ? 'built\n' : 'installed\n');
  log(`baseline ${short}: ready in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return baseline;
}

/**
 * The baseline's counterparts of the demos among `specs`, each named `<name>@<short sha>`. A demo
 * missing at that commit is left out (with a note in `skipped`).
 */
export function baselineSpecs(
  specs: readonly ServerSpec[],
  baseline: Baseline,
): { specs: ServerSpec[]; skipped: string[] } {
  const out: ServerSpec[] = [];
  const skipped: string[] = [];
  for (const spec of specs) {
    if (spec.kind !== 'demo') continue;
    const twin: ServerSpec = {
      ...spec,
      name: `${spec.name}@${baseline.short}`,
      label: `${spec.label}, as of ${baseline.ref} (${baseline.short})`,
      root: baseline.root,
      baseline: { of: spec.name, ref: baseline.ref, sha: baseline.sha },
    };
    if (existsSync(path.join(twin.root, twin.cwd, twin.script))) out.push(twin);
    else skipped.push(`${spec.name} (no ${spec.cwd}/${spec.script} at ${baseline.short})`);
  }
  return { specs: out, skipped };
}

/**
 * The order servers are measured in for one repetition: each demo's baseline right after it, and
 * every second repetition the whole list reversed, so slow drift on a shared machine weighs on
 * both sides of every pair alike.
 */
export function measureOrder(specs: readonly ServerSpec[], rep: number): ServerSpec[] {
  const ordered: ServerSpec[] = [];
  for (const spec of specs.filter((s) => s.baseline === undefined)) {
    ordered.push(spec, ...specs.filter((s) => s.baseline?.of === spec.name));
  }
  return rep % 2 === 0 ? ordered : ordered.reverse();
}
