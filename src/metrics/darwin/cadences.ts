/**
 * The macOS default cadences, where they differ from the generic ones: what keeps the daemon
 * within one spawn a second on average with every source on (a long-lived child counts once,
 * at its start). CPU, load and swap spawn nothing; memory and the network are long-lived
 * `vm_stat` and `netstat -w` children. What is left spawns one tool per reading:
 *
 * | source      | tool                       | cadence |
 * | ----------- | -------------------------- | ------- |
 * | processes   | `ps`                       | 5 s     |
 * | diskio      | `ioreg -c IOBlockStorage…` | 5 s     |
 * | gpu         | `ioreg -c IOAccelerator`   | 5 s     |
 * | pressure    | `sysctl`                   | 15 s    |
 * | thermal     | `pmset -g therm`           | 15 s    |
 * | disk, battery | `df`, `pmset -g batt`    | 60 s    |
 * | (network)   | `route`                    | 30 s    |
 *
 * 5 s is Activity Monitor's own default refresh of its process list and GPU history; memory
 * pressure, the power manager's CPU limits, the root volume's fill and the battery change more
 * slowly still. The budget test
 * (`tests/metrics/spawn_budget_test.ts`) counts the spawns of a minute against it.
 *
 * @module
 */

import type { Cadences } from "../sampler.ts";

/** The macOS platform's default cadences, ms, where they differ from `DEFAULT_CADENCES`. */
export const DARWIN_CADENCES: Readonly<Partial<Cadences>> = Object.freeze({
  processes: 5000,
  diskio: 5000,
  gpu: 5000,
  pressure: 15_000,
  thermal: 15_000,
  disk: 60_000,
  battery: 60_000,
});
