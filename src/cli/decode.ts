/**
 * `opta-metrics decode`: read framed bytes (or one bare FlatBuffer with `--raw`)
 * from stdin and print one JSON object per frame. Example:
 * `nc -U "$XDG_RUNTIME_DIR/opta-metrics.sock" | opta-metrics decode`.
 *
 * @module
 */

import { concatBytes } from "../bytes.ts";

import { defaultPlaceExample } from "../ipc/socket_place.ts";
import { DecodeError, decodeMetrics } from "../ipc/codec.ts";
import { FrameDecoder, FrameError, MAX_FRAME_BYTES } from "../ipc/framing.ts";
import { frameToJson } from "../ipc/json.ts";
import { jsonLine, printable } from "../printable.ts";
import { CommandError } from "./flags.ts";
import { type ByteSink, writeAll } from "./write_all.ts";

/** Help text of the decode command. */
export const DECODE_HELP = `Usage: opta-metrics decode [--raw]

Read opta-metrics frames from stdin and print one JSON object per frame.

  --raw       stdin is one bare FlatBuffer (no 4-byte length prefix)
  -h, --help  show this help

Example: nc -U ${defaultPlaceExample()} | opta-metrics decode`;

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
  return concatBytes(chunks);
}

/** The FlatBuffer file identifier, at byte 4 of every frame body. */
const IDENTIFIER = "OPTM";

/** Whether `bytes` holds the identifier at `at`. */
function identifierAt(bytes: Uint8Array, at: number): boolean {
  return new TextDecoder().decode(bytes.subarray(at, at + 4)) === IDENTIFIER;
}

/**
 * What to try when the first frame fails: a bare FlatBuffer has the identifier at byte 4 (where
 * a framed stream has its body's first word), a framed stream at byte 8.
 */
function modeHint(head: Uint8Array, raw: boolean): string {
  if (!raw && identifierAt(head, 4)) return "; stdin looks like one bare FlatBuffer: try --raw";
  if (raw && identifierAt(head, 8)) return "; stdin looks like framed frames: try without --raw";
  return "";
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
  let head: Uint8Array = new Uint8Array(0); // the input's first bytes, for the hint on a first bad frame
  const print = async (body: Uint8Array) => {
    const line = jsonLine(frameToJson(decodeMetrics(body))) + "\n";
    await writeAll(output, encoder.encode(line));
    printed++;
  };
  try {
    if (raw) {
      const body = await readBounded(input);
      head = body.subarray(0, 12);
      if (body.length === 0) throw new CommandError("decode: stdin was empty");
      await print(body);
      return printed;
    }
    const decoder = new FrameDecoder();
    for await (const chunk of input) {
      if (head.length < 12) {
        head = new Uint8Array([...head, ...chunk.subarray(0, 12 - head.length)]);
      }
      for (const body of decoder.push(chunk)) await print(body);
    }
    decoder.finish();
    return printed;
  } catch (error) {
    if (error instanceof FrameError || error instanceof DecodeError) {
      const hint = printed === 0 ? modeHint(head, raw) : "";
      throw new CommandError(`decode: frame ${printed + 1}: ${printable(error.message)}${hint}`);
    }
    throw error;
  }
}
