/**
 * Run under a permission set: tries to listen on and connect to each Unix socket path
 * given as an argument, and every form of TCP (listen and connect on 127.0.0.1, ::1,
 * 0.0.0.0, :: and localhost, a fetch, a DNS lookup), and prints one JSON object naming
 * for each attempt the error class it got ("NotCapable" = refused by the sandbox) or
 * "ALLOWED". A path that could be bound is closed again at once.
 *
 * @module
 */

async function attempt(action: () => unknown): Promise<string> {
  try {
    const resource = await action();
    (resource as { close?: () => void } | undefined)?.close?.();
    return "ALLOWED";
  } catch (error) {
    return (error as Error).name;
  }
}

const results: Record<string, string> = {};
for (const path of Deno.args) {
  results[`listen ${path}`] = await attempt(() => Deno.listen({ transport: "unix", path }));
  results[`connect ${path}`] = await attempt(() => Deno.connect({ transport: "unix", path }));
}
for (const hostname of ["127.0.0.1", "::1", "0.0.0.0", "::", "localhost"]) {
  results[`tcp listen ${hostname}`] = await attempt(() => Deno.listen({ hostname, port: 0 }));
  results[`tcp connect ${hostname}`] = await attempt(() => Deno.connect({ hostname, port: 19501 }));
}
results["fetch http://[::1]:19501/"] = await attempt(async () => {
  try {
    await fetch("http://[::1]:19501/");
  } catch (error) {
    // fetch wraps a refused connection in a TypeError; a sandbox refusal stays NotCapable
    if (error instanceof TypeError) return;
    throw error;
  }
});
results["resolveDns localhost"] = await attempt(() => Deno.resolveDns("localhost", "A"));
console.log(JSON.stringify(results));
