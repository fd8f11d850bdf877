/**
 * The one rule for "this process was frozen": a wake-up that comes more than
 * {@linkcode FREEZE_MS} after it was due means the process itself did not run
 * (SIGSTOP, a laptop's sleep, a starved VM), not that whatever it waits for was
 * slow. Whoever measures a deadline across such a gap restarts it instead of
 * blaming the other side: a client's write is not stalled, a child's output is
 * not late.
 *
 * @module
 */

/** How late a wake-up must be for the process to count as frozen (ms). */
export const FREEZE_MS = 1000;

/** True when a wake-up `lateMs` past its due time means this process was frozen. */
export function wasFrozen(lateMs: number): boolean {
  return lateMs > FREEZE_MS;
}
