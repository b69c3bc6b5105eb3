import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { browserBundle } from './support/bundle.js';

describe('the browser bundle (every export of src/index.ts, minified by esbuild)', () => {
  it('is under 3 KiB gzipped', async () => {
    const { code } = await browserBundle();
    const gzipped = gzipSync(code).length;
    console.log(`@ssekit/client browser bundle: ${code.length} B minified, ${gzipped} B gzipped`);
    expect(gzipped).toBeLessThan(3 * 1024);
  });

  it('holds only the package’s own sources: no dependency, no node:* module', async () => {
    const { inputs } = await browserBundle();
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.filter((input) => !input.startsWith('src/'))).toEqual([]);
  });
});
