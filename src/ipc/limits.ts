/**
 * The most one frame may carry. The framing caps a frame at 1 MiB, but offsets
 * can point many times at the same bytes, so the bytes a frame decodes to are
 * capped too: the encoder never writes more than these, and the verifier refuses
 * a frame past any of them before anything is decoded. PROTOCOL.md lists them
 * under _Limits_.
 *
 * @example
 * ```ts
 * import { MAX_TOP_PROCESSES } from "./limits.ts";
 * MAX_TOP_PROCESSES; // 100, the most `serve --top` allows
 * ```
 *
 * @module
 */

/** Longest string (a process, network interface or core-level name), in UTF-8 bytes. */
export const MAX_NAME_BYTES = 255;

/** Most entries of `top_processes`: the most `serve --top` allows. */
export const MAX_TOP_PROCESSES = 100;

/** Most entries of `cpu_cores`: the most logical CPUs a Linux kernel can be built for. */
export const MAX_CPU_CORES = 8192;

/** Most entries of `cpu_core_levels`: a machine has a few kinds of core. */
export const MAX_CORE_LEVELS = 16;

/** The most entries of each vector field of the root, by its TypeScript name. */
export const MOST_ENTRIES_OF: Readonly<Record<string, number>> = Object.freeze({
  topProcesses: MAX_TOP_PROCESSES,
  cpuCores: MAX_CPU_CORES,
  cpuCoreLevels: MAX_CORE_LEVELS,
});

/**
 * Most bytes decoding one frame may copy out of it: every field, string and vector
 * element read, counted again each time another offset reaches the same bytes. A
 * frame at every cap above stays under half of it.
 */
export const MAX_DECODED_BYTES = 128 * 1024;
