/** The config-language checks of the docs tests accept valid files and name what is wrong. */
import assert from "node:assert/strict";
import { alloyBalanced, checkConfigSyntax } from "./config_syntax.ts";
import { works } from "../support/host.ts";

const haveRuby = works("ruby", ["-ryaml", "-e", ""]);

Deno.test({
  name: "YAML and TOML: valid passes, invalid throws with the parser's message",
  ignore: !haveRuby,
  fn() {
    checkConfigSyntax("yaml", "a:\n  - b: 1\n");
    assert.throws(() => checkConfigSyntax("yaml", "a: [1, 2\nb: c\n"), /^Error: yaml: /);
    checkConfigSyntax("toml", '[[inputs.prometheus]]\n  urls = ["http://a:9612/metrics"]\n');
    assert.throws(() => checkConfigSyntax("toml", "[a\nb = 1\n"), /^Error: toml: /);
  },
});

Deno.test("Alloy: strings, comments and brackets must close, in order", () => {
  alloyBalanced('a "x" {\n  t = [{"k" = "v}"}] // a } comment\n  /* { */\n}\n');
  assert.throws(
    () => alloyBalanced('a "x" {\n  t = [1, 2}\n'),
    /"}" on line 2 closes nothing open/,
  );
  assert.throws(() => alloyBalanced('a "x" {\n'), /"\{" of line 1 is not closed/);
  assert.throws(() => alloyBalanced('a "x {\n}'), /string on line 1 is not closed/);
  assert.throws(() => alloyBalanced("a {\n/* open\n}"), /comment opened on line 2/);
});
