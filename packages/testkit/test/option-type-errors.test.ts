import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../src/demo.js';

// What TypeScript says about a misspelled option must name the options type, not the
// hand-driven form's handler type: with overloads, the message lists each one's error in order
// and the last is the one read (and the only one printed past three overloads), so the options
// overload comes last in `sse()` and `sseResponse()`. Compiled with the root tsconfig's options,
// against the built `.d.ts` files, as an app would see them.
const PRELUDE = `
import { createHub } from '@ssekit/core';
import { sse as expressSse } from '@ssekit/express';
import { ssekit } from '@ssekit/fastify';
import { sse as koaSse } from '@ssekit/koa';
import { createSseHandler } from '@ssekit/node';
import { sseHandler, sseResponse } from '@ssekit/web';
import Fastify from 'fastify';
const hub = createHub();
declare const request: Request;
void [expressSse, ssekit, koaSse, createSseHandler, sseHandler, sseResponse, Fastify, hub, request];
`;

interface Case {
  /** What the app writes. */
  readonly code: string;
  /** The end of the last line of TypeScript's message. */
  readonly names: RegExp;
}

const CASES: Record<string, Case> = {
  'express sse()': {
    code: 'expressSse({ hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'ExpressSseOptions<.*>'\.$/,
  },
  'express sse() with a near miss': {
    code: "expressSse({ hub, topic: ['news'] });",
    names: /'topic' does not exist in type 'ExpressSseOptions<.*>'\. Did you mean to write 'topics'\?$/,
  },
  'koa sse()': {
    code: 'koaSse({ hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'KoaSseOptions<.*>'\.$/,
  },
  'web sseResponse()': {
    code: 'void sseResponse(request, { hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'HubResponseOptions<.*>'\.$/,
  },
  'web sseHandler()': {
    code: 'sseHandler({ hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'HubResponseOptions<.*>'\.$/,
  },
  'node createSseHandler()': {
    code: 'createSseHandler({ hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'AdmissionOptions<.*>'\.$/,
  },
  'the fastify plugin': {
    code: 'void Fastify().register(ssekit, { hub, heartbeat: 10 });',
    names: /'heartbeat' does not exist in type 'FastifyRegisterOptions<SsekitPluginOptions<.*>>'\.$/,
  },
  'a fastify { sse } route': {
    code: "Fastify().get('/events', { sse: { heartbeat: 10 } }, () => undefined);",
    names: /'heartbeat' does not exist in type 'SseRouteOptions<.*>'\.$/,
  },
};

/** The message of a diagnostic, one line per link of its chain, depth first. */
function lines(message: string | ts.DiagnosticMessageChain): string[] {
  if (typeof message === 'string') return [message];
  return [message.messageText, ...(message.next ?? []).flatMap(lines)];
}

describe('a misspelled option, as TypeScript reports it', () => {
  const dir = path.join(repoRoot, 'packages/testkit/test/option-type-errors');
  const files = new Map(
    Object.entries(CASES).map(([name, { code }], index) => [
      path.join(dir, `case-${index}.ts`),
      { name, text: `${PRELUDE}\n${code}\n` },
    ]),
  );
  const reported = new Map<string, string[][]>();

  beforeAll(() => {
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(repoRoot, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    if (config === undefined) throw new Error('no root tsconfig.json');
    const options = { ...config.options, noEmit: true };
    const real = ts.createCompilerHost(options);
    const host: ts.CompilerHost = {
      ...real,
      fileExists: (file) => files.has(file) || real.fileExists(file),
      readFile: (file) => files.get(file)?.text ?? real.readFile(file),
      getSourceFile: (file, language, ...rest) => {
        const virtual = files.get(file);
        return virtual === undefined
          ? real.getSourceFile(file, language, ...rest)
          : ts.createSourceFile(file, virtual.text, language);
      },
    };
    const program = ts.createProgram([...files.keys()], options, host);
    for (const [file, { name }] of files) {
      const diagnostics = ts.getPreEmitDiagnostics(program, program.getSourceFile(file));
      reported.set(
        name,
        diagnostics.map((diagnostic) => lines(diagnostic.messageText)),
      );
    }
  }, 60_000);

  it.each(Object.entries(CASES))('%s: one error, whose last line names the options type', (name, { names }) => {
    const errors = reported.get(name);
    expect(errors?.map((message) => message.join('\n'))).toHaveLength(1);
    const message = errors?.[0] ?? [];
    expect(message.at(-1)).toMatch(names);
  });

  it('lists the hand-driven overload first and the options overload last', () => {
    const message = reported.get('express sse()')?.[0] ?? [];
    const overloads = message.filter((line) => line.startsWith('Overload '));
    expect(overloads).toHaveLength(2);
    expect(overloads[0]).toMatch(/^Overload 1 of 2, '\(handler: SseStreamHandler/);
    expect(overloads[1]).toMatch(/^Overload 2 of 2, '\(options: ExpressSseOptions/);
  });
});
