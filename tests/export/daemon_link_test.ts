/**
 * The exporter's link to the daemon: one connection, one request per fetch, every answer
 * fresh; and, facing a daemon from before requests (one that streams whatever a client
 * sends), fetches that still work and connections that do not stay open between them.
 */
import assert from "node:assert/strict";
import { writeAll } from "../../src/cli/write_all.ts";
import { DaemonLink } from "../../src/export/daemon_link.ts";
import { startDaemon, withDir } from "../support/daemon.ts";
import { SCRIPT_SNAPSHOT, scriptedFrame } from "../support/scripted_listener.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test({
  name: "against the daemon: one connection for every fetch, each answer fresh",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const daemon = await startDaemon(socket);
      const link = new DaemonLink({ socketPath: socket });
      try {
        const sequences: number[] = [];
        for (let i = 0; i < 4; i++) {
          const fetched = await link.fetch();
          assert.ok(fetched.ok, JSON.stringify(fetched));
          assert.ok(fetched.receivedAtMs - fetched.frame.timestamp <= 1000);
          sequences.push(fetched.frame.sequence);
          await sleep(300);
        }
        assert.equal(daemon.matching(/client connected/).length, 1, daemon.stderr);
        // Between fetches the daemon makes no frame for this client: sequence moves by one or
        // so per fetch (a tick or two may come before the daemon reads the first request).
        assert.ok(sequences[3] - sequences[1] <= 3, sequences.join(","));
        const together = await Promise.all([link.fetch(), link.fetch(), link.fetch()]);
        assert.equal(new Set(together.map((f) => f.ok && f.frame.sequence)).size, 1, "shared");
      } finally {
        link.close();
        await daemon.stop();
      }
    });
  },
});

Deno.test({
  name: "a daemon from before requests: fetches work, and each connection ends after its fetch",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await withDir(async (dir) => {
      const socket = `${dir}/s.sock`;
      const listener = Deno.listen({ transport: "unix", path: socket });
      let open = 0;
      let connections = 0;
      const served = (async () => {
        for await (const conn of listener) {
          connections++;
          open++;
          void (async () => {
            try {
              for (let sequence = 1;; sequence++) { // 25 Hz, whatever the client says
                const snapshot = { ...SCRIPT_SNAPSHOT, timestamp: Date.now() };
                await writeAll(conn, scriptedFrame({ run: 7, sequence }, snapshot));
                await sleep(40);
              }
            } catch {
              open--; // the client closed
            }
          })();
        }
      })().catch(() => {});
      const link = new DaemonLink({ socketPath: socket });
      try {
        for (let i = 0; i < 3; i++) {
          const fetched = await link.fetch();
          assert.ok(fetched.ok && fetched.receivedAtMs - fetched.frame.timestamp <= 1000);
          await sleep(1000);
          assert.equal(open, 0, `fetch ${i + 1}: a connection stayed open after it`);
        }
        assert.equal(connections, 3);
      } finally {
        link.close();
        listener.close();
        await served;
      }
    });
  },
});
