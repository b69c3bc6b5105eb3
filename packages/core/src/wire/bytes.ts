const utf8 = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8Encode(text: string): Uint8Array {
  return utf8.encode(text);
}

/** Joins chunks into one buffer; a single chunk is returned as is (no copy). */
export function concatBytes(chunks: readonly Uint8Array[], totalLength: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(totalLength);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
