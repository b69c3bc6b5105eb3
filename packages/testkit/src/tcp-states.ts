import { readFileSync } from 'node:fs';

/** One IPv4 TCP socket of this machine, as `/proc/net/tcp` lists it. */
export interface TcpSocket {
  localPort: number;
  remotePort: number;
  /** The kernel's state name (`ESTABLISHED`, `FIN_WAIT1`, ...). */
  state: string;
  /** Bytes queued to send that the peer has not acknowledged. */
  sendQueue: number;
}

const STATES: Record<string, string> = {
  '01': 'ESTABLISHED',
  '02': 'SYN_SENT',
  '03': 'SYN_RECV',
  '04': 'FIN_WAIT1',
  '05': 'FIN_WAIT2',
  '06': 'TIME_WAIT',
  '07': 'CLOSE',
  '08': 'CLOSE_WAIT',
  '09': 'LAST_ACK',
  '0A': 'LISTEN',
  '0B': 'CLOSING',
};

/**
 * The machine's IPv4 TCP sockets whose local port is `port` (a server's side of its
 * connections), read from `/proc/net/tcp` (Linux): what the kernel still holds, whatever the
 * process thinks it closed.
 */
export function serverSockets(port: number): TcpSocket[] {
  const lines = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  const sockets: TcpSocket[] = [];
  for (const line of lines) {
    const fields = line.trim().split(/\s+/);
    const [, local, remote, state, queues] = fields;
    if (local === undefined || remote === undefined || state === undefined || queues === undefined) continue;
    const localPort = parseInt(local.split(':')[1] ?? '', 16);
    if (localPort !== port) continue;
    sockets.push({
      localPort,
      remotePort: parseInt(remote.split(':')[1] ?? '', 16),
      state: STATES[state] ?? state,
      sendQueue: parseInt(queues.split(':')[0] ?? '0', 16),
    });
  }
  return sockets;
}
