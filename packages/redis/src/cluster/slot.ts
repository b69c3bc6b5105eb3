/** How many hash slots a Redis Cluster has. */
export const SLOT_COUNT = 16_384;

/** CRC16/XMODEM (polynomial 0x1021, no reflection, initial 0), one entry per byte value. */
const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

const encoder = new TextEncoder();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ byte) & 0xff] as number);
  return crc;
}

/**
 * The hash slot of a key or shard channel, as `CLUSTER KEYSLOT` computes it: CRC16 of the
 * key's UTF-8 bytes modulo 16384, or of its hash tag only, the part between the first `{` and
 * the next `}` when that part is not empty. Computed here rather than asked of the cluster so
 * routing a subscription costs no round trip. @internal
 */
export function slotOf(key: string): number {
  const bytes = encoder.encode(key);
  // Braces are ASCII, so searching the bytes finds the same tag Redis finds.
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOT_COUNT;
  }
  return crc16(bytes) % SLOT_COUNT;
}
