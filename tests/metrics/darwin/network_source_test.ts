/**
 * The macOS network source over stand-in `route` and `netstat` (tests/support/
 * darwin_stand_ins.ts), on a clock ten times faster than real time so that the 30 s route
 * check comes round in 3 s: it follows the default route from one interface to another and to
 * none, starts afresh (route, totals, child) after its child dies, and leaves nothing behind.
 */
import assert from "node:assert/strict";
import { darwinPlatform } from "../../../src/metrics/darwin/platform.ts";
import { networkSource } from "../../../src/metrics/darwin/network_source.ts";
import type { NetworkSample } from "../../../src/metrics/types.ts";
import { SpawnCounter } from "../../../src/process/spawn.ts";
import { Schedule } from "../../../src/time/schedule.ts";
import {
  darwinStandIns,
  EN1_BYTES,
  NETSTAT_ROW_BYTES,
  routeTo,
  spawnedIn,
} from "../../support/darwin_stand_ins.ts";
import { childrenOf, withTempDir } from "../../support/procs.ts";
import { scaledClock } from "../../support/scaled_clock.ts";
import { waitFor } from "../../support/wait.ts";

const FACTOR = 10;

/** Runs the network source over the stand-ins in a fresh directory. */
async function withNetwork(
  fn: (run: {
    dir: string;
    values: (NetworkSample | null)[];
    failures: string[];
    spawns: SpawnCounter;
  }) => Promise<void>,
): Promise<void> {
  await withTempDir("opta-darwin-net-", async (dir) => {
    const tools = await darwinStandIns(dir, { secondsPerInterval: 1 / FACTOR });
    const spawns = new SpawnCounter();
    const source = networkSource(tools, spawns);
    const values: (NetworkSample | null)[] = [];
    const failures: string[] = [];
    const schedule = Schedule.timerDriven(scaledClock(FACTOR));
    source.start(1000, {
      emit: (r) => values.push(r.network!),
      fail: (e) => failures.push(e.message),
    }, schedule);
    try {
      await fn({ dir, values, failures, spawns });
    } finally {
      await source.stop();
    }
    assert.deepEqual(childrenOf(Deno.pid), [], "stop() leaves no child");
    assert.equal(schedule.size, 0, "stop() leaves no task");
  });
}

const netstatChildren = () => childrenOf(Deno.pid).filter((c) => c.comm === "netstat");

Deno.test(
  "darwin network: follows the default route to another interface, then to none",
  () =>
    withNetwork(async ({ dir, values, failures }) => {
      await waitFor(() => values.length >= 3, 5000, "en1 readings");
      values.slice(0, 3).forEach((v, i) => {
        assert.equal(v!.interface, "en1");
        assert.equal(v!.receivedBytes, EN1_BYTES.received + (i + 1) * NETSTAT_ROW_BYTES);
      });
      routeTo(dir, "utun0"); // the capture's utun0: 324 bytes in, 740 out
      await waitFor(() => values.at(-1)?.interface === "utun0", 6000, "utun0 readings");
      const first = values.find((v) => v?.interface === "utun0")!;
      assert.deepEqual(
        [first.receivedBytes, first.sentBytes],
        [324 + NETSTAT_ROW_BYTES, 740],
        "the totals start from utun0's own <Link#> counters",
      );
      assert.equal(netstatChildren().length, 1, "en1's child was stopped");
      routeTo(dir, null);
      await waitFor(() => values.at(-1) === null, 6000, "no default route");
      assert.equal(netstatChildren().length, 0, "no child without a default route");
      assert.deepEqual(failures, []);
      const runs = spawnedIn(dir).filter((l) => l.startsWith("netstat"));
      assert.deepEqual(runs, [
        "netstat -ibn",
        "netstat -w 1 -I en1",
        "netstat -ibn",
        "netstat -w 1 -I utun0",
      ]);
    }),
);

Deno.test(
  "darwin network: a child that dies is reported, then started afresh",
  () =>
    withNetwork(async ({ dir, values, failures, spawns }) => {
      await waitFor(() => values.length >= 2, 5000, "readings");
      const [child] = netstatChildren();
      Deno.kill(child.pid, "SIGKILL");
      await waitFor(() => failures.length === 1, 5000, "the failure");
      assert.match(failures[0], /netstat -w 1 -I en1.*(signal|SIGKILL)/);
      const before = values.length;
      await waitFor(() => values.length >= before + 2, 5000, "readings after the restart");
      // afresh: route, totals and a new child, whose counting starts at the totals
      const runs = spawnedIn(dir);
      assert.deepEqual(runs.slice(-3), [
        "route -n get default",
        "netstat -ibn",
        "netstat -w 1 -I en1",
      ]);
      assert.equal(values.at(-2)!.receivedBytes, EN1_BYTES.received + NETSTAT_ROW_BYTES);
      assert.equal(spawns.count, runs.length);
    }),
);

Deno.test(
  "darwin network: an interface netstat -ibn does not list is a failure, retried",
  () =>
    withNetwork(async ({ dir, values, failures }) => {
      await waitFor(() => values.length >= 1, 5000, "readings");
      routeTo(dir, "en9");
      await waitFor(() => failures.length >= 2, 8000, "two failed attempts");
      assert.equal(failures[0], "netstat: no <Link#> row for en9");
      assert.equal(netstatChildren().length, 0, "no child for an interface it cannot count");
      routeTo(dir, "en1");
      const count = values.length;
      await waitFor(() => values.length > count, 8000, "recovered");
      assert.equal(values.at(-1)!.interface, "en1");
    }),
);

Deno.test(
  "darwin network: the platform runs it with the others; rates over the interval",
  () =>
    withTempDir("opta-darwin-net-", async (dir) => {
      const platform = darwinPlatform(await darwinStandIns(dir));
      const source = platform.sources(await platform.facts(), { top: 5 }).find((s) =>
        s.name === "network"
      )!;
      const values: NetworkSample[] = [];
      const started = performance.now();
      const schedule = Schedule.timerDriven(scaledClock(1));
      source.start(1000, { emit: (r) => values.push(r.network!), fail: () => {} }, schedule);
      try {
        await waitFor(() => values.length >= 2, 5000, "readings");
      } finally {
        await source.stop();
      }
      // a million bytes a line, a line a second: about a million bytes a second
      for (const v of values) {
        assert.ok(
          v.receiveBytesPerSecond > 0.5e6 && v.receiveBytesPerSecond <= 1e6,
          `${v.receiveBytesPerSecond}`,
        );
      }
      assert.ok(performance.now() - started >= 1900, "one line per interval");
    }),
);
