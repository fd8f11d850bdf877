/**
 * An address or a textfile directory the exporter's set does not grant is refused in one
 * line that says where the way round it is written: "Running it" in docs/prometheus.md of
 * the source, a place that exists for a binary installed without any docs (release tarballs
 * ship none), and a section that exists.
 */
import assert from "node:assert/strict";
import { withDir } from "../support/daemon.ts";
import { ExporterProcess, freePort } from "../support/exporter.ts";
import { assertOneLine } from "../support/one_line.ts";
import { readDoc } from "../docs/docs.ts";
import { exportHelp } from "../../src/cli/export.ts";

const POINTER =
  /see "Running it" in docs\/prometheus\.md of the opta-metrics source, https:\/\/github\.com\/opta-dev\/opta-metrics/;

/** The exporter's exit code and stderr lines, run under its set with `grants` swapped in. */
async function refused(
  grants: ConstructorParameters<typeof ExporterProcess>[0],
  args: string[],
): Promise<{ code: number | null; lines: string[] }> {
  const exporter = new ExporterProcess(grants, args);
  const status = await exporter.waitExit(15_000);
  if (status === null) await exporter.kill();
  await exporter.stderrDone;
  return { code: status?.code ?? null, lines: exporter.lines.filter((l) => l !== "") };
}

Deno.test("docs/prometheus.md has the section the exporter points to, on running elsewhere", () => {
  const section = readDoc("docs/prometheus.md").split(/^## /m).find((s) =>
    s.startsWith("Running it\n")
  );
  assert.ok(section, 'no "## Running it" in docs/prometheus.md');
  assert.match(section, /run from source with your own grant/);
  assert.match(section, /deno task compile/);
});

Deno.test('an address not granted: one line pointing to "Running it", no README', async () => {
  await withDir(async (dir) => {
    const granted = `127.0.0.1:${freePort()}`;
    const requested = `127.0.0.1:${freePort()}`;
    const run = await refused({ socket: `${dir}/d.sock`, listen: [granted] }, [
      "--listen",
      requested,
    ]);
    const line = assertOneLine(run, /is not granted/);
    // the refused address itself, not a claim that only the shipped ones could ever work
    assert.ok(line.includes(`listening on ${requested} is not granted`), line);
    assert.match(line, /from source add it to --allow-net/);
    assert.match(line, POINTER);
    assert.doesNotMatch(line, /README/);
  });
});

Deno.test('a textfile directory not granted: one line pointing to "Running it", no README', async () => {
  await withDir(async (dir) => {
    await Deno.mkdir(`${dir}/granted`);
    const run = await refused({ socket: `${dir}/d.sock`, textfileDirectory: `${dir}/granted` }, [
      "--textfile",
      `${dir}/opta.prom`,
    ]);
    const line = assertOneLine(run, /is not granted/);
    assert.ok(line.includes(`writing in ${dir} is not granted`), line);
    assert.match(line, /from source add it to --allow-write/);
    assert.match(line, POINTER);
    assert.doesNotMatch(line, /README/);
  });
});

Deno.test("export --help says where other addresses and directories are explained", () => {
  const help = exportHelp("opta-metrics-export").replace(/\s+/g, " ");
  assert.match(help, POINTER);
  assert.doesNotMatch(help, /README/);
});
