import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The package's directory. */
export const packageRoot = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));

/**
 * A file bundled for the browser as an app's bundler would: everything it imports, minified, ES
 * modules. `inputs` are the bundled files, relative to the package.
 * @param entry - the entry, relative to the package.
 */
export async function browserBundle(entry = 'src/index.ts'): Promise<{ code: Uint8Array; inputs: string[] }> {
  const result = await build({
    absWorkingDir: packageRoot,
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`esbuild wrote no bundle of ${entry}`);
  return { code: output.contents, inputs: Object.keys(result.metafile.inputs) };
}
