/**
 * The one place that picks the platform: nothing outside `src/metrics/` asks
 * which OS it runs on. Each platform is loaded only where it runs.
 *
 * @module
 */

import type { Platform } from "./platform.ts";

/** The platform this process runs on; throws for an unsupported OS. */
export async function currentPlatform(): Promise<Platform> {
  switch (Deno.build.os) {
    case "darwin":
      return (await import("./darwin/platform.ts")).darwinPlatform();
    case "linux":
      return (await import("./linux/platform.ts")).linuxPlatform();
    default:
      throw new Error(`opta-metrics supports macOS and Linux, not ${Deno.build.os}`);
  }
}
