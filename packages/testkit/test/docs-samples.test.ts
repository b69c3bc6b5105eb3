import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '@ssekit/testkit';

// Every code sample in the docs (README.md, docs/**/*.md and every package's README.md) must be
// checked. A TypeScript or JavaScript block must appear verbatim in a whole file under
// docs/examples/, which the root tsconfig.json type-checks (docs/examples/registered/, whose
// samples declare an app's hub in `Register`, has a program of its own) and `pnpm lint` lints; an nginx block must appear verbatim in docs/examples/*.conf, which
// examples/node-http/test/nginx.test.ts runs. Shell commands, terminal output and wire bytes
// are not code to check, but must say what they are.
const CHECKED: Record<string, string> = {
  ts: '.ts',
  typescript: '.ts',
  js: '.ts',
  javascript: '.ts',
  nginx: '.conf',
};
const NOT_CODE = new Set(['sh', 'shell', 'bash', 'console', 'text', 'http']);

const examplesDir = path.join(repoRoot, 'docs/examples');

function markdownFiles(): string[] {
  const files = ['README.md'];
  for (const entry of readdirSync(path.join(repoRoot, 'packages'), { withFileTypes: true })) {
    const readme = path.join('packages', entry.name, 'README.md');
    if (entry.isDirectory() && existsSync(path.join(repoRoot, readme))) files.push(readme);
  }
  const walk = (dir: string): void => {
    for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const relative = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'api' && entry.name !== 'node_modules') walk(relative);
      } else if (entry.name.endsWith('.md')) {
        files.push(relative);
      }
    }
  };
  walk('docs');
  return files.sort();
}

interface Block {
  line: number;
  lang: string;
  code: string;
}

function fencedBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i] ?? '');
    blocks.push({ line: start + 1, lang: open[1] ?? '', code: `${body.join('\n')}\n` });
  }
  return blocks;
}

function examples(extension: string): string[] {
  return readdirSync(examplesDir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(extension))
    .filter((entry) => !path.relative(examplesDir, entry.parentPath).split(path.sep).includes('node_modules'))
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'));
}

describe('code samples in the docs', () => {
  it.each(markdownFiles())('%s: every code block is quoted from a checked file', (file) => {
    const problems: string[] = [];
    for (const block of fencedBlocks(readFileSync(path.join(repoRoot, file), 'utf8'))) {
      const extension = CHECKED[block.lang];
      if (extension === undefined) {
        if (!NOT_CODE.has(block.lang)) {
          problems.push(`${file}:${block.line}: a \`\`\`${block.lang} block; label code ts or nginx, or text/sh`);
        }
        continue;
      }
      if (!examples(extension).some((source) => source.includes(block.code))) {
        problems.push(`${file}:${block.line}: this ${block.lang} block is not verbatim in docs/examples/*${extension}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('finds the samples it checks, and the package READMEs', () => {
    expect(markdownFiles()).toEqual(expect.arrayContaining(['packages/core/README.md', 'packages/web/README.md']));
    expect(examples('.ts').length).toBeGreaterThan(0);
    expect(examples('.conf').length).toBeGreaterThan(0);
  });
});
