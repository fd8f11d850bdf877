/**
 * The signals that stop every long-running command (serve, watch, export) cleanly: Ctrl-C,
 * a service manager's SIGTERM, and SIGHUP when the terminal that started it closes. One
 * list, so no command dies on one of them without its cleanup.
 *
 * @module
 */

/** Ctrl-C, a service manager or `kill`, and a closed terminal. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Calls `onStop` on the first of {@linkcode STOP_SIGNALS} to arrive, and never again: a
 * second signal (`timeout` through `deno task` sends two, a closing terminal may follow
 * Ctrl-C) finds the stop already under way. Returns the function that removes the listeners.
 */
export function onStopSignal(onStop: (signal: Deno.Signal) => void): () => void {
  let stopped = false;
  const handlers = STOP_SIGNALS.map((signal) => {
    const handler = () => {
      if (stopped) return;
      stopped = true;
      onStop(signal);
    };
    Deno.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
  };
}
