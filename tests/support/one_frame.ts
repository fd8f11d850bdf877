/**
 * A client program as README's "Subscribing" shows it: imports the library, subscribes,
 * prints the first frame's sequence and exits. Run with the grants README names.
 *
 * @module
 */

import { subscribe } from "../../src/ipc/client.ts";

const stop = new AbortController();
for await (const { frame } of subscribe(Deno.args[0], { signal: stop.signal })) {
  console.log(frame.sequence);
  stop.abort();
}
