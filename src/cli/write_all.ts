/**
 * Writing a whole buffer to stdout or a socket, whose writes may each take only
 * part of it.
 *
 * @module
 */

/** Anything bytes can be written to, possibly partially (a socket, stdout). */
export interface ByteSink {
  /** Write some of `bytes`; resolves to how many were written. */
  write(bytes: Uint8Array): Promise<number>;
}

/** Write every byte of `bytes`, looping over partial writes. */
export async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await sink.write(bytes.subarray(offset));
}
