/**
 * Run under the daemon's permission set (`deno run -P=serve-linux`, `serve-darwin` on
 * macOS): tries everything the daemon must NOT be able to do and prints one JSON object naming, for each
 * attempt, the error class it got ("NotCapable" = denied by the sandbox) or "ALLOWED".
 *
 * @module
 */

async function attempt(action: () => unknown): Promise<string> {
  try {
    await action();
    return "ALLOWED";
  } catch (error) {
    return (error as Error).name;
  }
}

const home = Deno.args[0] ?? "/root";
const results = {
  read_home: await attempt(() => Deno.readTextFileSync(`${home}/.bashrc`)),
  read_etc_passwd: await attempt(() => Deno.readTextFileSync("/etc/passwd")),
  write_outside_socket: await attempt(() => Deno.writeTextFileSync("/tmp/opta-sandbox-probe", "x")),
  tcp_connect: await attempt(() => Deno.connect({ hostname: "127.0.0.1", port: 9 })),
  tcp_listen: await attempt(() => Deno.listen({ hostname: "127.0.0.1", port: 0 })),
  other_unix_socket: await attempt(() =>
    Deno.listen({ transport: "unix", path: "/tmp/opta-other.sock" })
  ),
  spawn_unlisted_tool: await attempt(() => new Deno.Command("/bin/ls").outputSync()),
  spawn_shell: await attempt(() =>
    new Deno.Command("/bin/sh", { args: ["-c", "true"] }).outputSync()
  ),
  ffi: await attempt(() => Deno.dlopen("libc.so.6", {})),
  env_home: await attempt(() => Deno.env.get("HOME")),
  sys_hostname: await attempt(() => Deno.hostname()),
  read_proc: await attempt(() => Deno.readTextFileSync("/proc/self/status")),
  // what the daemon does need, for contrast
  allowed_cpus: await attempt(() => Deno.osRelease()),
  allowed_memory: await attempt(() => Deno.systemMemoryInfo()),
  allowed_env: await attempt(() => Deno.env.get("OPTA_METRICS_SOCKET")),
};
console.log(JSON.stringify(results));
