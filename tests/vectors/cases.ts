/**
 * The inputs behind the committed test vectors in this folder. Changing them
 * (or the encoder's output) means regenerating with `deno task vectors`.
 *
 * @module
 */

import { NO_EXTENDED_READINGS, type Snapshot } from "../../src/metrics/types.ts";
import { MomentumColor, type MomentumState } from "../../src/momentum/momentum.ts";

/** One vector: what is encoded and the name of its files. */
export interface VectorCase {
  /** Base name of `<name>.bin`, `<name>.framed.bin` and `<name>.json`. */
  name: string;
  /** The snapshot encoded. */
  snapshot: Snapshot;
  /** The momentum encoded. */
  momentum: MomentumState;
  /** Frame sequence number. */
  sequence: number;
  /** Send time, µs since the Unix epoch. */
  sentAtUs: number;
  /** The daemon run's id (its start, µs since the Unix epoch). */
  startedAtUs: number;
}

const base: Snapshot = {
  ...NO_EXTENDED_READINGS,
  cpuUsage: 37.25,
  memoryUsage: 70.72,
  memoryTotal: 34359738368,
  diskUsage: 81.5,
  temperature: 54.5,
  timestamp: 1764183600123,
  topProcesses: [
    { pid: 412, name: "WindowServer", cpuPercent: 23.4, memoryMb: 512.25 },
    { pid: 9051, name: "Google Chrome Helper (Renderer)", cpuPercent: 18.1, memoryMb: 301.5 },
    { pid: 731, name: "kernel_task", cpuPercent: 12, memoryMb: 2.0625 },
    { pid: 1288, name: "Code Helper (Plugin)", cpuPercent: 9.5, memoryMb: 880 },
    { pid: 88, name: "mds_stores", cpuPercent: 7.25, memoryMb: 64.75 },
    { pid: 15001, name: "deno", cpuPercent: 3.1, memoryMb: 41.5 },
    { pid: 501, name: "Finder", cpuPercent: 1.5, memoryMb: 120 },
    { pid: 640, name: "Dock", cpuPercent: 0.8, memoryMb: 95.5 },
    { pid: 1, name: "launchd", cpuPercent: 0.2, memoryMb: 18.25 },
    { pid: 77, name: "syslogd", cpuPercent: 0.1, memoryMb: 4.5 },
  ],
};

const active: MomentumState = {
  color: MomentumColor.Active,
  intensity: 0.65,
  rotationSpeed: 1.375,
};

/** Every committed vector. */
export const VECTOR_CASES: VectorCase[] = [
  {
    name: "full",
    snapshot: base,
    momentum: active,
    sequence: 1,
    sentAtUs: 1764183600125432,
    startedAtUs: 1764183590000000,
  },
  {
    name: "no_temperature",
    snapshot: { ...base, temperature: null, topProcesses: base.topProcesses.slice(0, 3) },
    momentum: { color: MomentumColor.Critical, intensity: 1, rotationSpeed: 3 },
    sequence: 4242,
    sentAtUs: 1764183770000001,
    startedAtUs: 1764183590000000,
  },
  {
    name: "no_processes",
    snapshot: { ...base, cpuUsage: 2.5, memoryUsage: 31, temperature: 0, topProcesses: [] },
    momentum: { color: MomentumColor.Idle, intensity: 0.3, rotationSpeed: 0.5 },
    sequence: 9007199254740991, // largest safe integer: the ulong path at its JS limit
    sentAtUs: 1764183800000000,
    startedAtUs: 0, // a daemon that does not stamp its run: the default, still on the wire
  },
  {
    name: "unicode_names",
    snapshot: {
      ...base,
      topProcesses: [
        { pid: 2001, name: "Überwachung ⚙️ 監視", cpuPercent: 50, memoryMb: 10 },
        { pid: 2002, name: "x".repeat(300), cpuPercent: 40, memoryMb: 20 },
        // 127 × "é" (2 bytes) + "😀" (4 bytes) = 258 bytes: the cut lands inside the emoji.
        { pid: 2003, name: "é".repeat(127) + "😀", cpuPercent: 30, memoryMb: 30 },
        { pid: 2004, name: "", cpuPercent: 0, memoryMb: 0 },
      ],
    },
    momentum: active,
    sequence: 7,
    sentAtUs: 1764183900000000,
    startedAtUs: 1764183899999999,
  },
  {
    // An Apple silicon laptop on battery: every appended field present.
    name: "laptop",
    snapshot: {
      ...base,
      cpuCores: [92.5, 81.25, 64, 40.5, 33.75, 20, 12.5, 7.75, 3.5, 1.25],
      cpuCoreLevels: [
        { name: "Performance", firstCore: 0, cores: 8 },
        { name: "Efficiency", firstCore: 8, cores: 2 },
      ],
      loadAverage: { one: 4.25, five: 3.5, fifteen: 2.75 },
      swap: { used: 1610612736, total: 3221225472 },
      memoryPressure: "warning",
      network: {
        interface: "en0",
        receiveBytesPerSecond: 1536000,
        sendBytesPerSecond: 98304,
        receivedBytes: 48318382080,
        sentBytes: 6442450944,
      },
      diskIo: {
        readBytesPerSecond: 8388608,
        writeBytesPerSecond: 2097152,
        readBytes: 1099511627776,
        writtenBytes: 549755813888,
      },
      battery: { percent: 72.5, state: "discharging", onAc: false, minutesRemaining: 215 },
      gpuUsage: 23.5,
      // Apple silicon's pmset records no CPU limit and no warning: present, every field absent
      thermal: {
        speedLimit: null,
        schedulerLimit: null,
        availableCpus: null,
        state: null,
        warningLevel: null,
      },
    },
    momentum: active,
    sequence: 120,
    sentAtUs: 1764184000000000,
    startedAtUs: 1764183590000000,
  },
  {
    // An Intel Mac held back for heat: pmset -g thermlog's throttled capture, 8 CPUs, and a
    // warning level of 0 recorded: every thermal field present, a 0 that must not read as absent.
    name: "intel_throttled",
    snapshot: {
      ...base,
      temperature: null,
      cpuCores: [100, 100, 87.5, 75, 62.5, 50, 25, 0],
      loadAverage: { one: 9.5, five: 7.25, fifteen: 4 },
      thermal: {
        speedLimit: 0.28,
        schedulerLimit: 0.4,
        availableCpus: 8,
        state: "throttled",
        warningLevel: 0,
      },
    },
    momentum: { color: MomentumColor.Critical, intensity: 1, rotationSpeed: 3 },
    sequence: 77,
    sentAtUs: 1764184050000000,
    startedAtUs: 1764183990000000,
  },
  {
    // A Linux server: PSI pressure, network and disk I/O; no battery, no GPU, one kind of core.
    name: "linux_server",
    snapshot: {
      ...base,
      temperature: null,
      topProcesses: base.topProcesses.slice(0, 2),
      cpuCores: [12.5, 100, 0, 47.25],
      loadAverage: { one: 1.5, five: 0.75, fifteen: 0.25 },
      swap: { used: 0, total: 2147483648 },
      memoryPressure: "normal",
      network: {
        interface: "eth0",
        receiveBytesPerSecond: 125000,
        sendBytesPerSecond: 0,
        receivedBytes: 9007199254740991, // largest safe integer
        sentBytes: 0,
      },
      diskIo: {
        readBytesPerSecond: 0,
        writeBytesPerSecond: 65536,
        readBytes: 0,
        writtenBytes: 4096,
      },
    },
    momentum: { color: MomentumColor.Idle, intensity: 0.3, rotationSpeed: 0.5 },
    sequence: 3,
    sentAtUs: 1764184100000000,
    startedAtUs: 1764184000000000,
  },
];
