import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

/**
 * Bundles a page's script for the browser with esbuild, as an app's own build step would: the
 * entry (JavaScript or TypeScript) and everything it imports (`@ssekit/client` above all) in one
 * minified ES module, held in memory; nothing is written and no CDN is involved. It runs in the
 * server's process, in some tens of milliseconds, so call it once (at start-up, or on a page's
 * first request) and keep the result.
 *
 * Workspace packages are bundled from their TypeScript sources (the `ssekit-source` condition the
 * demos run with), so the page needs no `pnpm build` first.
 * @param entry - the script's file.
 * @throws Error with esbuild's messages when the script does not compile.
 */
export function bundleForBrowser(entry: URL): Uint8Array {
  const result = buildSync({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['ssekit-source'],
    write: false,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild wrote no bundle of ${entry.pathname}`);
  return output.contents;
}
