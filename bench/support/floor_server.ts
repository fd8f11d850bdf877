/**
 * The runtime floor for the streaming job: a minimal Deno program that only runs
 * a 25 Hz timer and writes a fixed 600-byte frame (4-byte BE length + body whose
 * first 8 bytes are the send time in µs) to each subscriber. No sampling, no
 * encoding, no backpressure handling. Usage: deno run -A floor_server.ts SOCKET [HZ]
 *
 * @module
 */

import { WallClock } from "../../src/time/wall_clock.ts";

const wallClock = new WallClock();
const wallClockMicros = () => wallClock.micros();

const [path, hzText = "25"] = Deno.args;
try {
  Deno.removeSync(path);
} catch {
  // nothing to remove
}
const listener = Deno.listen({ transport: "unix", path });
const clients = new Set<Deno.UnixConn>();
const frame = new Uint8Array(600);
new DataView(frame.buffer).setUint32(0, 596, false);
const view = new DataView(frame.buffer);

setInterval(() => {
  view.setBigUint64(4, BigInt(wallClockMicros()), true);
  for (const conn of clients) {
    conn.write(frame).catch(() => clients.delete(conn));
  }
}, 1000 / Number(hzText));

Deno.addSignalListener("SIGTERM", () => {
  listener.close();
  Deno.exit(0);
});
console.error("listening");
for await (const conn of listener) clients.add(conn);
