/**
 * The object `createRedisBackend` returns, for one Redis and for a cluster alike: the store and
 * the bus, readiness, and one close for both and the connection they share. @internal
 */
export function linkedBackend<
  TStore extends { readonly connected: boolean; close(): unknown },
  TBus extends { readonly ready: Promise<void>; readonly active: boolean; close(): Promise<void> },
>(
  store: TStore,
  bus: TBus,
  connection: { close(): Promise<void> },
): {
  readonly store: TStore;
  readonly bus: TBus;
  readonly ready: Promise<void>;
  readonly available: boolean;
  close(): Promise<void>;
} {
  let closing: Promise<void> | undefined;
  return {
    store,
    bus,
    ready: bus.ready,
    get available() {
      return store.connected && bus.active;
    },
    close: () => {
      closing ??= (async () => {
        await Promise.all([bus.close(), store.close()]);
        await connection.close();
      })();
      return closing;
    },
  };
}
