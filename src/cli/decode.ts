/**
 * `opta-metrics decode`: read framed bytes (or one bare FlatBuffer with `--raw`)
 * from stdin and print one JSON object per frame. Example:
 * `nc -U /tmp/opta-metrics.sock | opta-metrics decode`.
 *
 * @module
 */

import { DecodeError, decodeMetrics } from "../ipc/codec.ts";
import { type ByteSink, FrameDecoder, FrameError, writeAll } from "../ipc/framing.ts";
import { frameToJson } from "../ipc/json.ts";
import { CommandError } from "./usage.ts";

/** Help text of the decode command. */
export const DECODE_HELP = `Usage: opta-metrics decode [--raw]

Read opta-metrics frames from stdin and print one JSON object per frame.

  --raw       stdin is one bare FlatBuffer (no 4-byte length prefix)
  -h, --help  show this help

Example: nc -U /tmp/opta-metrics.sock | opta-metrics decode`;

const encoder = new TextEncoder();

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
    const line = JSON.stringify(frameToJson(decodeMetrics(body))) + "\n";
    await writeAll(output, encoder.encode(line));
    printed++;
  };
  try {
    if (raw) {
      const body = new Uint8Array(await new Response(input).arrayBuffer());
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
      throw new CommandError(`decode: frame ${printed + 1}: ${error.message}`);
    }
    throw error;
  }
}
