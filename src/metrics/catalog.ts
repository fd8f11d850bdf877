/**
 * Every reading, gathered from the declarations in `readings/` (one module per part of
 * the machine; the sources are in `sources.ts`). A reading's declaration names its
 * source, its shape on the wire (checked against the generated code at start, see
 * `ipc/layout.ts`), its row in `sample` and `watch` and its Prometheus metric
 * families; the codec, the JSON view, the rows, the sampler's assembly and the
 * exporter are derived from it. Readings are listed in the order people see them.
 *
 * @example
 * ```ts
 * import { READING_LIST } from "./catalog.ts";
 * READING_LIST[0].key; // "cpuUsage"
 * READING_LIST[0].wire; // "cpu_usage"
 * ```
 *
 * @module
 */

import type { Declarations, Reading, ReadingKey } from "./reading.ts";
import { CPU_READINGS } from "./readings/cpu.ts";
import { DISK_NETWORK_READINGS } from "./readings/disk_network.ts";
import { HARDWARE_READINGS } from "./readings/hardware.ts";
import { MEMORY_READINGS } from "./readings/memory.ts";
import { PROCESS_READINGS } from "./readings/processes.ts";
import { wireName } from "./shape.ts";

/** Every reading, in the order `sample` and `watch` show them. */
export const READINGS: Declarations = {
  ...CPU_READINGS,
  ...MEMORY_READINGS,
  ...DISK_NETWORK_READINGS,
  ...HARDWARE_READINGS,
  ...PROCESS_READINGS,
};

/** Every reading with its names, in {@linkcode READINGS} order. */
export const READING_LIST: readonly Reading[] = Object.freeze(
  (Object.entries(READINGS) as [ReadingKey, Reading][]).map(([key, declaration]) =>
    Object.freeze({ ...declaration, key, wire: wireName(key) })
  ),
);
