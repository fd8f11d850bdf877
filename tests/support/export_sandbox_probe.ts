/**
 * Run under the exporter's permission set: tries what the exporter must NOT be able to do,
 * and what it must, and prints one JSON object naming, for each attempt, the error class it
 * got ("NotCapable" = denied by the sandbox) or "ALLOWED". Arguments: the granted listen
 * address (`HOST:PORT`) and another port on the same host.
 *
 * @module
 */

async function attempt(action: () => unknown): Promise<string> {
  try {
    const result = await action();
    if (result && typeof result === "object" && "close" in result) {
      (result as { close(): void }).close();
    }
    return "ALLOWED";
  } catch (error) {
    return (error as Error).name;
  }
}

const [granted, otherPort] = Deno.args;
const [host, port] = [granted.slice(0, granted.lastIndexOf(":")), Number(granted.split(":").pop())];
const results = {
  read_etc_passwd: await attempt(() => Deno.readTextFileSync("/etc/passwd")),
  read_proc: await attempt(() => Deno.readTextFileSync("/proc/self/status")),
  write_tmp: await attempt(() => Deno.writeTextFileSync("/tmp/opta-export-probe", "x")),
  spawn_shell: await attempt(() =>
    new Deno.Command("/bin/sh", { args: ["-c", "true"] }).outputSync()
  ),
  spawn_tool: await attempt(() => new Deno.Command("/bin/ls").outputSync()),
  ffi: await attempt(() => Deno.dlopen("libc.so.6", {})),
  env_home: await attempt(() => Deno.env.get("HOME")),
  sys_hostname: await attempt(() => Deno.hostname()),
  listen_other_port: await attempt(() => Deno.listen({ hostname: host, port: Number(otherPort) })),
  listen_any_port: await attempt(() => Deno.listen({ hostname: host, port: 0 })),
  listen_other_interface: await attempt(() =>
    Deno.listen({ hostname: "0.0.0.0", port: Number(otherPort) })
  ),
  tcp_connect_elsewhere: await attempt(() => Deno.connect({ hostname: "127.0.0.1", port: 9 })),
  other_unix_socket: await attempt(() =>
    Deno.listen({ transport: "unix", path: "/tmp/opta-other.sock" })
  ),
  // what the exporter does need, for contrast
  allowed_listen: await attempt(() => Deno.listen({ hostname: host, port })),
  allowed_uid: await attempt(() => Deno.uid()),
};
console.log(JSON.stringify(results));
