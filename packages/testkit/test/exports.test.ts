import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../src/demo.js';

// A package's public surface is what its src/index.ts exports, and nothing more: each published
// package commits the list in exports.txt, so an export added or dropped by accident fails here
// and one added on purpose shows in the review. `SSEKIT_UPDATE_EXPORTS=1` rewrites the lists.
// Internals (`@internal`) stay out of the emitted declarations (`stripInternal`).

interface Published {
  readonly name: string;
  readonly dir: string;
}

const published: Published[] = readdirSync(path.join(repoRoot, 'packages'))
  .map((folder) => path.join(repoRoot, 'packages', folder))
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.private !== true)
  .map(({ dir, manifest }) => ({ name: manifest.name, dir }));

interface Manifest {
  name: string;
  private?: boolean;
}

/** `value name` or `type name` for every export of `entry`, sorted. */
function exportedNames(program: ts.Program, entry: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${entry} is not a module`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      // A class is a value and a type at once: it counts as a value unless exported as a type.
      const value = (target.flags & ts.SymbolFlags.Value) !== 0 && !exportedAsType(symbol);
      return `${value ? 'value' : 'type'} ${symbol.name}`;
    })
    .sort((a, b) => a.slice(a.indexOf(' ')).localeCompare(b.slice(b.indexOf(' '))) || a.localeCompare(b));
}

/** True for `export type { X }` and `export { type X }`. */
function exportedAsType(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some(
    (declaration) =>
      ts.isExportSpecifier(declaration) && (declaration.isTypeOnly || declaration.parent.parent.isTypeOnly),
  );
}

function declarationFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.d.ts'))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('the exported names of each published package', () => {
  it('finds the published packages', () => {
    expect(published.map(({ name }) => name)).toEqual(
      expect.arrayContaining(['@ssekit/core', '@ssekit/node', '@ssekit/express', '@ssekit/web']),
    );
  });

  const entries = published.map(({ dir }) => path.join(dir, 'src/index.ts'));
  let program: ts.Program | undefined;
  const programOf = (): ts.Program => {
    program ??= ts.createProgram(entries, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    });
    return program;
  };

  it.each(published)('$name: src/index.ts exports exactly what exports.txt lists', ({ dir }) => {
    const names = exportedNames(programOf(), path.join(dir, 'src/index.ts'));
    const listFile = path.join(dir, 'exports.txt');
    const text = `${names.join('\n')}\n`;
    if (process.env.SSEKIT_UPDATE_EXPORTS === '1') writeFileSync(listFile, text);
    const committed = existsSync(listFile) ? readFileSync(listFile, 'utf8').split('\n').filter(Boolean) : [];
    expect(
      {
        added: names.filter((name) => !committed.includes(name)),
        removed: committed.filter((name) => !names.includes(name)),
      },
      `update ${path.relative(repoRoot, listFile)} (SSEKIT_UPDATE_EXPORTS=1) if the change is meant`,
    ).toEqual({ added: [], removed: [] });
  });

  it.each(published)('$name: no declaration in dist/ is marked @internal', ({ dir }) => {
    const files = declarationFiles(path.join(dir, 'dist'));
    expect(files.length, 'dist/ holds the built declarations: run `pnpm build` first').toBeGreaterThan(0);
    const marked: string[] = [];
    for (const file of files) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (line.includes('@internal')) marked.push(`${path.relative(repoRoot, file)}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(marked).toEqual([]);
  });
});

describe('guardEventStreams in the Node-hosted adapters', () => {
  // Users of Express, Koa and Fastify install only their adapter: the pipelining guard that
  // docs/security.md asks them to call must come from there, and be the one @ssekit/node uses.
  it('is node’s own function, re-exported by Express, Koa and Fastify', async () => {
    const node = await import('@ssekit/node');
    const adapters = await Promise.all([import('@ssekit/express'), import('@ssekit/koa'), import('@ssekit/fastify')]);
    for (const adapter of adapters) expect(adapter.guardEventStreams).toBe(node.guardEventStreams);
  });
});
