/**
 * Fitting text to a terminal's width: cells as a terminal counts them, cuts marked
 * `…`, a row's parts left out whole from the end, values flowed onto lines whole.
 */
import assert from "node:assert/strict";
import { cells, clip, clipStart, fitParts, flow } from "../../src/cli/fit.ts";

Deno.test("cells: CJK and emoji take two, combining marks none, the view's colour codes none", () => {
  assert.equal(cells("abc"), 3);
  assert.equal(cells("監視"), 4);
  assert.equal(cells("한국"), 4);
  assert.equal(cells("😀"), 2);
  assert.equal(cells("e\u0301"), 1, "e and a combining acute accent");
  assert.equal(cells("█░ ↓ ↑ ▁ — … °C"), 15);
  assert.equal(cells("\x1b[31mred\x1b[0m"), 3);
});

Deno.test("clip: whole when it fits, else cut and marked …, a cut colour reset", () => {
  assert.equal(clip("proc-1", 6), "proc-1");
  assert.equal(clip("proc-12", 6), "proc-…");
  assert.equal(clip("監視監視", 6), "監視…", "a wide character that does not fit goes whole");
  assert.equal(cells(clip("a監視", 4)), 4);
  assert.equal(clip("abc", 1), "…");
  assert.equal(clip("abc", 0), "");
  assert.equal(clip("\x1b[31mwarning\x1b[0m", 5), "\x1b[31mwarn…\x1b[0m");
  assert.equal(clipStart("/tmp/dir/s.sock", 8), "…/s.sock");
  assert.equal(clipStart("/tmp/s.sock", 20), "/tmp/s.sock");
});

Deno.test("fitParts: the parts joined by one space, then left out from the end, each whole", () => {
  const io = "read 1023.9 KiB/s  write 1023.9 KiB/s";
  assert.equal(fitParts(io, 40), io);
  assert.equal(fitParts(io, 36), "read 1023.9 KiB/s write 1023.9 KiB/s");
  assert.equal(fitParts(io, 35), "read 1023.9 KiB/s …");
  assert.equal(fitParts(io, 19), "read 1023.9 KiB/s …");
  assert.equal(fitParts(io, 18), "read 1023.9 KiB/s…", "the first part whole, still marked");
  assert.equal(fitParts(io, 12), "read 1023.9…", "cut only when the first part does not fit");
  assert.equal(fitParts("81.5 %  discharging  4:07 left", 24), "81.5 % discharging …");
});

Deno.test("flow: values two spaces apart on as few lines as they fill, each whole", () => {
  const parts = ["frame #7", "25 fps", "missed 0", "latency 0.20 ms"];
  assert.deepEqual(flow(parts, 80), ["frame #7  25 fps  missed 0  latency 0.20 ms"]);
  assert.deepEqual(flow(parts, 30), ["frame #7  25 fps  missed 0", "latency 0.20 ms"]);
  assert.deepEqual(flow(parts, 10), ["frame #7", "25 fps", "missed 0", "latency 0…"]);
});
