// The local ports a load generator binds its own source address with.
import { readFileSync } from 'node:fs';

/** The first port of the kernel's ephemeral range (`net.ipv4.ip_local_port_range`). */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

/**
 * Ports for streams from a source address a load generator has to itself, taken in turn from
 * below the kernel's ephemeral range. Binding a source address with port 0 makes the kernel
 * search for a port no socket on that address holds (TIME_WAIT ones included), which slows down
 * as they fill: measured here, from under 0.1 ms to 3.5 ms per connect at 8,000 streams. An
 * explicit port costs one hash lookup.
 */
export const LOCAL_PORTS = { first: 10_000, last: ephemeralLow() - 1 };

/** How many streams one source address can hold at once. */
export const LOCAL_PORT_COUNT = LOCAL_PORTS.last - LOCAL_PORTS.first + 1;
