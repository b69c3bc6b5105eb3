import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/demo.js';

// What a user of the registry sees besides the code: a license, where the source and the issue
// tracker are, ESM with types first. `scripts/publint.sh` (in `pnpm test`) lints the packed
// tarballs themselves.

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  type?: string;
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  bugs?: { url?: string };
  files?: string[];
  exports?: Record<string, unknown>;
}

const published = readdirSync(path.join(repoRoot, 'packages'))
  .map((folder) => ({ folder, file: path.join(repoRoot, 'packages', folder, 'package.json') }))
  .filter(({ file }) => existsSync(file))
  .map(({ folder, file }) => ({ folder, manifest: JSON.parse(readFileSync(file, 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.private !== true);

const rootLicense = readFileSync(path.join(repoRoot, 'LICENSE'), 'utf8');

describe('each published package', () => {
  it('is found', () => {
    expect(published.length).toBeGreaterThanOrEqual(6);
  });

  it.each(published)('$manifest.name: has the MIT LICENSE file of the repository', ({ folder, manifest }) => {
    expect(manifest.license).toBe('MIT');
    expect(rootLicense).toMatch(/^MIT License\n/);
    expect(readFileSync(path.join(repoRoot, 'packages', folder, 'LICENSE'), 'utf8')).toBe(rootLicense);
  });

  it.each(published)('$manifest.name: says where its source, home page and issues are', ({ folder, manifest }) => {
    const repository = manifest.repository ?? {};
    expect(repository.type).toBe('git');
    expect(repository.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(repository.directory).toBe(`packages/${folder}`);
    const base = (repository.url ?? '').replace(/^git\+/, '').replace(/\.git$/, '');
    expect(manifest.homepage).toBe(`${base}/tree/main/packages/${folder}#readme`);
    expect(manifest.bugs?.url).toBe(`${base}/issues`);
  });

  it.each(published)('$manifest.name: is ESM, with types first in exports', ({ manifest }) => {
    expect(manifest.type).toBe('module');
    const root = manifest.exports?.['.'] as Record<string, string> | undefined;
    const conditions = Object.keys(root ?? {}).filter((name) => name !== 'ssekit-source');
    expect(conditions).toEqual(['types', 'default']);
    expect(manifest.files).toContain('dist');
  });
});
