// The CPU a redis-server has used, from its own `INFO cpu` (the benchmark does not know its PID).
import net from 'node:net';

/** `used_cpu_user + used_cpu_sys` of the Redis on 127.0.0.1:`port`, µs; undefined when it does not answer in time. */
export function redisCpuMicros(port: number, timeoutMs = 3000): Promise<number | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (value: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('connect', () => socket.write('INFO cpu\r\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      const user = /used_cpu_user:([\d.]+)/.exec(text);
      const sys = /used_cpu_sys:([\d.]+)/.exec(text);
      if (user !== null && sys !== null) done((Number(user[1]) + Number(sys[1])) * 1e6);
    });
    socket.on('error', () => done(undefined));
  });
}
