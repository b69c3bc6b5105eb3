import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/**
 * Questions one worker asks all of them (itself included), relayed by the primary: the whole
 * server's `/stats`, and how many streams on all workers an event reached. The primary only fans
 * questions out and answers back; a worker that does not answer in time is left out.
 */
interface Question {
  kind: string;
  arg?: unknown;
}
type Message =
  | { ssekit: 'ask'; id: number; question: Question }
  | { ssekit: 'question'; id: number; question: Question }
  | { ssekit: 'answer'; id: number; answer: unknown }
  | { ssekit: 'answers'; id: number; answers: unknown[] };

const RELAY_TIMEOUT_MS = 1500;

function isMessage(value: unknown): value is Message {
  return typeof value === 'object' && value !== null && 'ssekit' in value && 'id' in value;
}

/** In the primary: relays every worker's questions to all workers and their answers back. */
export function relayQuestions(): void {
  let next = 0;
  const pending = new Map<
    number,
    { from: Worker; id: number; answers: unknown[]; left: number; timer: NodeJS.Timeout }
  >();
  const finish = (key: number): void => {
    const request = pending.get(key);
    if (request === undefined) return;
    pending.delete(key);
    clearTimeout(request.timer);
    if (request.from.isConnected()) request.from.send({ ssekit: 'answers', id: request.id, answers: request.answers });
  };
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message)) return;
    if (message.ssekit === 'ask') {
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w?.isConnected() === true);
      const key = ++next;
      const timer = setTimeout(() => finish(key), RELAY_TIMEOUT_MS);
      pending.set(key, { from: worker, id: message.id, answers: [], left: workers.length, timer });
      for (const w of workers) w.send({ ssekit: 'question', id: key, question: message.question });
    } else if (message.ssekit === 'answer') {
      const request = pending.get(message.id);
      if (request === undefined) return;
      request.answers.push(message.answer);
      if (--request.left === 0) finish(message.id);
    }
  });
}

/** In a worker: how it answers each kind of question. */
export type Answerers = Record<string, (arg: unknown) => unknown>;

/**
 * In a worker: answers the relayed questions with `answerers`, and returns `ask`, which resolves
 * to every worker's answer (just this worker's when the primary does not reply in time).
 */
export function workerIpc(answerers: Answerers): (kind: string, arg?: unknown) => Promise<unknown[]> {
  let next = 0;
  const waiting = new Map<number, (answers: unknown[]) => void>();
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.ssekit === 'question') {
      const answer = answerers[message.question.kind];
      void Promise.resolve(answer?.(message.question.arg)).then((value: unknown) => {
        process.send?.({ ssekit: 'answer', id: message.id, answer: value });
      });
    } else if (message.ssekit === 'answers') {
      waiting.get(message.id)?.(message.answers);
      waiting.delete(message.id);
    }
  });
  return (kind, arg) =>
    new Promise((resolve) => {
      const id = ++next;
      const timer = setTimeout(() => {
        waiting.delete(id);
        void Promise.resolve(answerers[kind]?.(arg)).then((own) => resolve([own]));
      }, RELAY_TIMEOUT_MS + 500);
      waiting.set(id, (answers) => {
        clearTimeout(timer);
        resolve(answers);
      });
      process.send?.({ ssekit: 'ask', id, question: { kind, arg } });
    });
}

/** Adds stats bodies field by field (`topics` maps too) and lists the workers. */
export function sumStats(parts: readonly Record<string, unknown>[]): Record<string, unknown> {
  const total: Record<string, number> = {};
  const topics: Record<string, number> = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      if (typeof value === 'number' && key !== 'pid') total[key] = (total[key] ?? 0) + value;
    }
    for (const [topic, count] of Object.entries((part.topics ?? {}) as Record<string, number>)) {
      topics[topic] = (topics[topic] ?? 0) + count;
    }
  }
  return { ...total, topics, workers: parts.map((part) => ({ pid: part.pid, connections: part.connections })) };
}
