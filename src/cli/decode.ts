/**
 * `opta-metrics decode`: read framed bytes (or one bare FlatBuffer with `--raw`)
 * from stdin and print one JSON object per frame. Example:
 * `nc -U /tmp/opta-metrics.sock | opta-metrics decode`.
 *
 * @module
 */

import { DecodeError, decodeMetrics } from "../ipc/codec.ts";
import { FrameDecoder, FrameError, MAX_FRAME_BYTES } from "../ipc/framing.ts";
import { frameToJson, jsonLine } from "../ipc/json.ts";
import { CommandError, printable } from "./flags.ts";
import { type ByteSink, writeAll } from "./write_all.ts";

/** Help text of the decode command. */
export const DECODE_HELP = `Usage: opta-metrics decode [--raw]

Read opta-metrics frames from stdin and print one JSON object per frame.

  --raw       stdin is one bare FlatBuffer (no 4-byte length prefix)
  -h, --help  show this help

Example: nc -U /tmp/opta-metrics.sock | opta-metrics decode`;

const encoder = new TextEncoder();

/**
 * All of `input` as one buffer, failing as soon as it passes `maxBytes`: a bare
 * frame is at most 1 MiB, and reading a larger input to the end first would
 * only hold memory for a certain rejection.
 */
export async function readBounded(
  input: ReadableStream<Uint8Array>,
  maxBytes: number = MAX_FRAME_BYTES,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = input.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        throw new CommandError(
          `decode: --raw input is over ${maxBytes} bytes, the most one frame can be ` +
            "(a framed stream of any length needs no --raw)",
        );
      }
      chunks.push(value);
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}

/**
 * Decode every frame of `input` to `output` as NDJSON. Returns the number of
 * frames printed; throws {@linkcode CommandError} on a broken stream, after
 * printing every frame that came before the fault.
 */
export async function runDecode(
  input: ReadableStream<Uint8Array>,
  output: ByteSink,
  raw: boolean,
): Promise<number> {
  let printed = 0;
  const print = async (body: Uint8Array) => {
    const line = jsonLine(frameToJson(decodeMetrics(body))) + "\n";
    await writeAll(output, encoder.encode(line));
    printed++;
  };
  try {
    if (raw) {
      const body = await readBounded(input);
      if (body.length === 0) throw new CommandError("decode: stdin was empty");
      await print(body);
      return printed;
    }
    const decoder = new FrameDecoder();
    for await (const chunk of input) {
      for (const body of decoder.push(chunk)) await print(body);
    }
    decoder.finish();
    return printed;
  } catch (error) {
    if (error instanceof FrameError || error instanceof DecodeError) {
      throw new CommandError(`decode: frame ${printed + 1}: ${printable(error.message)}`);
    }
    throw error;
  }
}
