import { afterEach, describe, expect, it } from 'vitest';
import type { Bus, BusHandlers, Envelope } from '@ssekit/core';

/** A fresh group of buses sharing one medium (a channel, a process); each test gets its own. */
export interface BusHarness {
  /** Another bus on the same medium as every other bus of this harness. */
  bus(): Bus | Promise<Bus>;
  /** Releases what the harness opened. */
  close?(): void | Promise<void>;
}

/**
 * The `Bus` contract, written once and run against every implementation: delivery to every
 * subscriber (the publisher's own included) exactly once and unchanged, one order for all,
 * unsubscribe; and, for a bus with `watch`, delivery of each topic only to the buses watching it
 * (each bus here watches the topics a case publishes on, as a hub with streams on them would).
 * @param name - shown in the test names.
 * @param makeHarness - a fresh medium per test.
 */
export function defineBusConformance(name: string, makeHarness: () => BusHarness | Promise<BusHarness>): void {
  describe(`Bus conformance: ${name}`, () => {
    let cleanups: (() => unknown)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      cleanups = [];
    });

    const setup = async (
      count: number,
      topics: readonly string[],
    ): Promise<{ buses: Bus[]; listeners: Listener[] }> => {
      const harness = await makeHarness();
      cleanups.push(() => harness.close?.());
      const buses: Bus[] = [];
      const listeners: Listener[] = [];
      for (let i = 0; i < count; i++) {
        const bus = await harness.bus();
        const listener = new Listener();
        const unsubscribe = await bus.subscribe(listener.handlers);
        listener.unsubscribe = unsubscribe;
        for (const topic of topics) await bus.watch?.(topic);
        cleanups.push(() => bus.close?.());
        cleanups.push(() => unsubscribe());
        buses.push(bus);
        listeners.push(listener);
      }
      return { buses, listeners };
    };

    it('delivers each envelope to every subscriber, its own included, exactly once and unchanged', async () => {
      const { buses, listeners } = await setup(3, ['news/eu@1:x+y', 'm']);
      const envelope: Envelope = {
        topic: 'news/eu@1:x+y',
        id: '1700000000000001',
        body: 'event: note\ndata: é🎉 line\ndata: \r\n\n',
        origin: 'hub-a',
      };
      const marker: Envelope = { topic: 'm', id: 'm-1', body: 'data: marker\n\n', origin: 'hub-b' };
      await buses[0]!.publish(envelope);
      await buses[0]!.publish(marker);
      for (const listener of listeners) {
        await listener.waitFor((received) => received.some((e) => e.id === 'm-1'));
        expect(listener.received).toEqual([envelope, marker]);
      }
      expect(listeners.map((listener) => listener.gaps)).toEqual([0, 0, 0]);
    });

    it('gives every subscriber the same order, each publisher in its publish order', async () => {
      const { buses, listeners } = await setup(3, ['t0', 't1', 't2']);
      const sent = (from: number): Envelope[] =>
        Array.from({ length: 40 }, (_, i) => ({
          topic: `t${i % 3}`,
          id: `${from}-${i}`,
          body: `data: ${i}\n\n`,
          origin: `bus-${from}`,
        }));
      const batches = [sent(0), sent(1)];
      await Promise.all(batches.map((batch, from) => Promise.all(batch.map(async (e) => buses[from]!.publish(e)))));
      for (const listener of listeners) await listener.waitFor((received) => received.length >= 80);
      const first = listeners[0]!.received;
      for (const listener of listeners) expect(listener.received).toEqual(first);
      for (const [from, batch] of batches.entries()) {
        expect(first.filter((e) => e.origin === `bus-${from}`)).toEqual(batch);
      }
    });

    it('stops delivering to a subscriber once it unsubscribed, and only to it', async () => {
      const { buses, listeners } = await setup(2, ['t']);
      const before: Envelope = { topic: 't', id: 'x-1', body: 'data: 1\n\n', origin: 'o' };
      const after: Envelope = { topic: 't', id: 'x-2', body: 'data: 2\n\n', origin: 'o' };
      await buses[1]!.publish(before);
      for (const listener of listeners) await listener.waitFor((received) => received.length === 1);
      listeners[0]!.unsubscribe?.();
      await buses[1]!.publish(after);
      await listeners[1]!.waitFor((received) => received.length === 2);
      expect(listeners[1]!.received).toEqual([before, after]);
      expect(listeners[0]!.received).toEqual([before]);
    });

    it('delivers a topic to the buses that watch it, or to all when the bus has no watch', async () => {
      const { buses, listeners } = await setup(3, ['shared']);
      // Only the first bus watches `mine`; a bus without `watch` delivers every topic anyway.
      await buses[0]!.watch?.('mine');
      const mine: Envelope = { topic: 'mine', id: 'w-1', body: 'data: mine\n\n', origin: 'o' };
      const marker: Envelope = { topic: 'shared', id: 'w-2', body: 'data: all\n\n', origin: 'o' };
      await buses[2]!.publish(mine);
      await buses[2]!.publish(marker);
      // The bus keeps one order per subscriber, so once the marker is in, `mine` came or never will.
      for (const listener of listeners) await listener.waitFor((received) => received.some((e) => e.id === 'w-2'));
      const selective = buses[0]!.watch !== undefined;
      expect(listeners[0]!.received).toEqual([mine, marker]);
      for (const listener of listeners.slice(1))
        expect(listener.received).toEqual(selective ? [marker] : [mine, marker]);
    });
  });
}

/** Records what a bus delivers. */
class Listener {
  readonly received: Envelope[] = [];
  gaps = 0;
  unsubscribe: (() => void) | undefined;
  readonly handlers: BusHandlers = {
    envelope: (envelope) => {
      this.received.push(envelope);
    },
    gap: () => {
      this.gaps++;
    },
  };

  async waitFor(condition: (received: Envelope[]) => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms; received ${JSON.stringify(this.received.map((e) => e.id))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
