import { existsSync } from 'node:fs';

/** Debian's Chromium, never a downloaded browser (`scripts/system-deps.sh` installs it). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a headless run that talks to nothing but the test's servers. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * The Chromium a browser test drives, for playwright's `executablePath`.
 * @throws Error naming how to install it, when it is missing: a browser test fails, never skips,
 *   and never installs a system package itself (that needs root and belongs to the machine's setup,
 *   `scripts/system-deps.sh`, which `pnpm test` runs).
 */
export function chromiumPath(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `ssekit: the browser test drives Debian's Chromium at ${CHROMIUM_PATH}, which is missing. ` +
        'Install it with `apt-get install -y chromium` (or run `bash scripts/system-deps.sh`) and run the tests again.',
    );
  }
  return CHROMIUM_PATH;
}
