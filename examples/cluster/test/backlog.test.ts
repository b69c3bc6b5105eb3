import { describe, expect, it } from 'vitest';
import { listenBacklog } from '../src/worker.js';

describe('LISTEN_BACKLOG', () => {
  it('defaults to 4096, room for a reconnect storm where Node would keep 511', () => {
    expect(listenBacklog({})).toBe(4096);
    expect(listenBacklog({ LISTEN_BACKLOG: '' })).toBe(4096);
  });

  it('takes a positive integer', () => {
    expect(listenBacklog({ LISTEN_BACKLOG: '1024' })).toBe(1024);
  });

  it.each(['0', '-5', '12.5', 'many'])('refuses %s, naming the setting', (raw) => {
    expect(() => listenBacklog({ LISTEN_BACKLOG: raw })).toThrow(`LISTEN_BACKLOG must be a positive integer`);
  });
});
