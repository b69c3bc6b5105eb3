import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';

/**
 * A Lua script run by its SHA1 (`EVALSHA`), loaded with `EVAL` when Redis does not know it yet
 * (first use, or after a restart emptied the script cache). @internal
 */
export class Script {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis | Cluster, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return client.eval(this.#source, keys.length, ...keys, ...args);
    }
  }
}

// Shared helpers. Sequence numbers stay below 2^53, so Lua's doubles hold them exactly;
// `%d` prints them without the exponent `tostring` would use.
const HELPERS = `
local function fmt(n) return string.format('%d', n) end
local function seqOf(entryId) return tonumber(string.match(entryId, '^(%d+)')) end
-- The newest sequence number ever added to a stream (trimmed or not), 0 for none.
local function newest(key)
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
  if last then return seqOf(last[1]) end
  if redis.call('EXISTS', key) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return seqOf(info[i + 1]) end
  end
  return 0
end
-- The newest sequence number trimmed from a stream, 0 for none. Every entry records its
-- predecessor ('p'), so the first entry left names the last one trimmed, however MAXLEN ~
-- cut the stream; an emptied stream has lost everything it ever held.
local function trimmed(key)
  local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if first then return tonumber(first[2][2]) end
  return newest(key)
end
`;

/**
 * Appends one event and, when a channel is given (the topic's own, `<prefix>c:<topic>`, see
 * `RedisBus.channelOf`), publishes its envelope there: one atomic step, so the bus carries
 * events in id order. A completed topic takes no more events; a final event
 * completes its topic; every append refreshes the time to live of the topic's keys.
 *
 * KEYS: meta hash, the topic's stream, the topic's caller-given-id index, the topic's own hash
 * (`final` sequence number, `ttl`), the topic's tombstone.
 * ARGV: unused (ids follow Redis's own clock, see `TIME` below), size, body, caller-given id
 * or '', the topic's channel or '', the envelope's text before and after its id (see
 * `envelopeAround`: the format is defined there only), final ('1' or ''), the topic's own ttl in
 * ms or '', the store's ttl for open topics, for completed topics (ms, 0 for none), the publish
 * command ('' for PUBLISH, or SPUBLISH), and the envelope's text between id and seq ('' for an
 * envelope without seq; see `groupedEnvelopeAround`).
 * Returns the event's sequence number, or -1 when the topic completed already.
 */
export const APPEND = new Script(`${HELPERS}
if redis.call('HEXISTS', KEYS[4], 'final') == 1 then return -1 end
-- A hybrid clock: one past the last id, or Redis's clock in µs when that is ahead. A promoted
-- replica that lacks the old primary's last writes thus goes on after them in time instead of
-- issuing their ids again. Redis 6.2+ replicates scripts by their effects, so TIME is allowed.
local time = redis.call('TIME')
local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
if redis.call('HSETNX', KEYS[1], 'base', fmt(clock)) == 1 then redis.call('HSET', KEYS[1], 'last', fmt(clock)) end
local seq = fmt(math.max(tonumber(redis.call('HGET', KEYS[1], 'last')) + 1, clock))
redis.call('HSET', KEYS[1], 'last', seq)
local prev = fmt(newest(KEYS[2]))
local id = ARGV[4]
local fields = {'p', prev, 'b', ARGV[3]}
if id ~= '' then
  fields[#fields + 1] = 'i'
  fields[#fields + 1] = id
end
if ARGV[8] == '1' then
  fields[#fields + 1] = 'f'
  fields[#fields + 1] = '1'
  redis.call('HSET', KEYS[4], 'final', seq)
end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', unpack(fields))
if id == '' then
  id = seq
else
  redis.call('ZADD', KEYS[3], seq, id)
  -- Forget given ids whose entries were trimmed, so the index stays as small as the stream.
  local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  if first then
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. fmt(seqOf(first[1])))
  else
    redis.call('DEL', KEYS[3])
  end
end
if ARGV[9] ~= '' then redis.call('HSET', KEYS[4], 'ttl', ARGV[9]) end
local ttl = tonumber(redis.call('HGET', KEYS[4], 'ttl') or '')
if not ttl then
  if redis.call('HEXISTS', KEYS[4], 'final') == 1 then ttl = tonumber(ARGV[11]) else ttl = tonumber(ARGV[10]) end
end
-- The tombstone outlives the topic, so a resume into a forgotten topic is told so.
redis.call('SET', KEYS[5], seq)
if ttl > 0 then
  for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  redis.call('PEXPIRE', KEYS[5], 2 * ttl + 3600000)
else
  for i = 2, 5 do redis.call('PERSIST', KEYS[i]) end
end
if ARGV[5] ~= '' then
  -- On a cluster: SPUBLISH, and the envelope (version 3) carries the seq after the id.
  local command = (ARGV[12] or '') ~= '' and ARGV[12] or 'PUBLISH'
  if (ARGV[13] or '') ~= '' then
    redis.call(command, ARGV[5], ARGV[6] .. id .. ARGV[13] .. seq .. ARGV[7])
  else
    redis.call(command, ARGV[5], ARGV[6] .. id .. ARGV[7])
  end
end
return seq
`);

/**
 * Which topics completed.
 * KEYS: the topics' own hashes. Returns 1 or 0 per key.
 */
export const COMPLETED = new Script(`
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HEXISTS', KEYS[i], 'final') end
return out
`);

/**
 * Reads one page of every asked topic after a cursor (or from the start of what is held), up to
 * a fixed upper bound, checking first that nothing after the cursor was trimmed or forgotten.
 *
 * KEYS: meta hash, then n topic streams, their n caller-given-id indexes, their n tombstones.
 * ARGV: page size, cursor ('' for everything held), base ('' on the first page), upper bound
 * ('' on the first page), '1' when a cursor of '0' means "before this group's first event" (a
 * cluster stream that started while its group was empty; '' elsewhere, where 0 is unknown), then
 * on later pages one position (sequence number already read up to) per topic.
 * Returns {'unknown'}, {'too_old'}, {'forgotten'} or {'ok', base, upper, page1, ..., pageN}.
 */
export const SINCE = new Script(`${HELPERS}
local n = (#KEYS - 1) / 3
local count = tonumber(ARGV[1])
local fromStart = ARGV[2] == ''
local base, upper
local positions = {}
local zeroOk = ARGV[5] == '1' and ARGV[2] == '0'
local meta = redis.call('HMGET', KEYS[1], 'base', 'last')
if not meta[1] then
  if not fromStart and not zeroOk then return {'unknown'} end
  local out = {'ok', '0', '0'}
  for i = 1, n do out[#out + 1] = {} end
  return out
end
if ARGV[3] == '' then
  base, upper = meta[1], meta[2]
  local cursor
  if fromStart then
    cursor = 0
  else
    for i = 1, n do
      local score = redis.call('ZSCORE', KEYS[n + 1 + i], ARGV[2])
      if score then cursor = tonumber(score) break end
    end
    if not cursor then
      if not string.match(ARGV[2], '^%d+$') or #ARGV[2] > 16 then return {'unknown'} end
      cursor = tonumber(ARGV[2])
      -- Above the last id yet not beyond the clock: a tail lost in a failover (the client saw
      -- events the promoted replica never got). Valid: every later id is above it.
      local time = redis.call('TIME')
      local clock = tonumber(time[1]) * 1000000 + tonumber(time[2])
      if (cursor < tonumber(base) and not zeroOk) or cursor > math.max(tonumber(upper), clock) then
        return {'unknown'}
      end
    end
    for i = 1, n do
      -- A topic whose keys expired after the cursor: what the client missed is gone with it.
      if redis.call('EXISTS', KEYS[1 + i]) == 0 and tonumber(redis.call('GET', KEYS[2 * n + 1 + i]) or '0') > cursor then
        return {'forgotten'}
      end
    end
  end
  for i = 1, n do positions[i] = cursor end
else
  -- Redis lost its data between two pages: the rest cannot be read.
  if meta[1] ~= ARGV[3] then return {'unknown'} end
  base, upper = ARGV[3], ARGV[4]
  for i = 1, n do positions[i] = tonumber(ARGV[5 + i]) end
end
local out = {'ok', base, upper}
local limit = tonumber(upper)
for i = 1, n do
  local key = KEYS[1 + i]
  if not fromStart and trimmed(key) > positions[i] then return {'too_old'} end
  if positions[i] >= limit then
    out[#out + 1] = {}
  else
    out[#out + 1] = redis.call('XRANGE', key, '(' .. fmt(positions[i]) .. '-0', upper .. '-0', 'COUNT', count)
  end
end
return out
`);
