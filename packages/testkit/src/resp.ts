import net from 'node:net';

/** An error reply (`-ERR ...`) from Redis. */
export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/** One RESP2 reply: a status or bulk string, an integer, nil, an error, or an array of replies. */
export type RedisReply = string | number | null | RedisReplyError | RedisReply[];

/**
 * Sends one command to the Redis (or Sentinel) on 127.0.0.1:`port` over a fresh connection and
 * resolves to its reply. Rejects when the connection fails, closes before a whole reply, or
 * nothing arrives within `timeoutMs`: the launchers poll with it while servers come and go.
 */
export function redisCall(port: number, args: readonly (string | number)[], timeoutMs = 2000): Promise<RedisReply> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let received = Buffer.alloc(0);
    let settled = false;
    const settle = (error: Error | undefined, reply?: RedisReply): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if (error === undefined) resolve(reply as RedisReply);
      else reject(error);
    };
    socket.setTimeout(timeoutMs, () => settle(new Error(`no reply from port ${port} within ${timeoutMs} ms`)));
    socket.on('error', (error) => settle(error));
    socket.on('close', () => settle(new Error(`port ${port} closed the connection before replying`)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      let parsed: [RedisReply, number] | undefined;
      try {
        parsed = parseReply(received, 0);
      } catch (err) {
        settle(err as Error);
        return;
      }
      if (parsed !== undefined) settle(undefined, parsed[0]);
    });
    socket.on('connect', () => {
      const parts = args.map((arg) => Buffer.from(String(arg)));
      socket.write(`*${parts.length}\r\n`);
      for (const part of parts) {
        socket.write(`$${part.length}\r\n`);
        socket.write(part);
        socket.write('\r\n');
      }
    });
  });
}

/** {@link redisCall}, resolving to `undefined` instead of rejecting: for polling. */
export function tryRedisCall(
  port: number,
  args: readonly (string | number)[],
  timeoutMs?: number,
): Promise<RedisReply | undefined> {
  return redisCall(port, args, timeoutMs).catch(() => undefined);
}

/** `INFO`-style text (`key:value` lines, `#` headings) as a map. */
export function parseInfo(text: RedisReply | undefined): Map<string, string> {
  const fields = new Map<string, string>();
  if (typeof text !== 'string') return fields;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** One reply from `buffer` at `offset` and where the next begins; `undefined` while incomplete. */
function parseReply(buffer: Buffer, offset: number): [RedisReply, number] | undefined {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (buffer[offset]) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [new RedisReplyError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: {
      // $
      const length = Number(line);
      if (length < 0) return [null, next];
      if (buffer.length < next + length + 2) return undefined;
      return [buffer.toString('utf8', next, next + length), next + length + 2];
    }
    case 0x2a: {
      // *
      const count = Number(line);
      if (count < 0) return [null, next];
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (item === undefined) return undefined;
        items.push(item[0]);
        at = item[1];
      }
      return [items, at];
    }
    case undefined:
      return undefined;
    default:
      throw new Error(`unexpected RESP reply starting ${JSON.stringify(buffer.toString('utf8', offset, offset + 20))}`);
  }
}
