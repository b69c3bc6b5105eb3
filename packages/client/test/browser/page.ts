// The page script of browser.test.ts, bundled by esbuild with the client: it subscribes with a
// typed event map and an authorization header, and records what arrives for the test to read.
import { subscribe } from '../../src/index.js';
import type { ConnectionState, Subscription } from '../../src/index.js';

/** The test server's event map. */
export interface PageEvents {
  price: { symbol: string; value: number };
  note: string;
}

/** What the page records, read by the test through `window.page`. */
export interface PageState {
  received: { type: string; id: string; data: unknown; dataType: string }[];
  states: ConnectionState[];
  errors: string[];
  start(url: string, token: string): void;
  close(): void;
}

let subscription: Subscription<PageEvents> | undefined;
let requests = 0;

const page: PageState = {
  received: [],
  states: [],
  errors: [],
  start(url, token) {
    subscription = subscribe<PageEvents>(url, {
      headers: () => ({ authorization: `Bearer ${token}-${++requests}` }),
      onState: (state) => page.states.push(state),
      onError: (error) => page.errors.push(error.code),
    });
    const events = subscription;
    void (async () => {
      for await (const event of events) {
        // The union narrows by type: a price's value is a number, a note is a string.
        const data = event.type === 'price' ? event.data.value : event.data;
        page.received.push({ type: event.type, id: event.id, data, dataType: typeof data });
      }
    })();
  },
  close() {
    subscription?.close();
  },
};

(window as unknown as { page: PageState }).page = page;
