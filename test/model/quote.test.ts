// Messages quote long user values capped (model/quote.ts): the first 100 characters and
// "... (N characters)", so that a 1 MB label value or name is not printed whole into every error.

import { test } from "node:test";
import assert from "node:assert/strict";
import { capMessage, clip, quote, QUOTE_MAX } from "../../src/model/quote.js";
import { cli, tempFiles } from "../helpers.js";
import { join } from "node:path";

test("quote and clip: whole when short; the first 100 characters and the length when long; never half a surrogate pair", () => {
  assert.equal(quote("web"), '"web"');
  assert.equal(quote(80), "80");
  assert.equal(quote("x".repeat(QUOTE_MAX)), JSON.stringify("x".repeat(QUOTE_MAX)));
  assert.equal(quote("x".repeat(1_000_000)), `"${"x".repeat(100)}..." (1000000 characters)`);
  assert.equal(quote('"'.repeat(150)), `"${'\\"'.repeat(100)}..." (150 characters)`);
  assert.equal(clip("y".repeat(101)), `${"y".repeat(100)}... (101 characters)`);
  // 99 x then an astral character (two UTF-16 units) at the cut: it is left out whole, and counted as one character.
  const astral = "x".repeat(99) + "😀" + "z".repeat(50);
  assert.equal(clip(astral), `${"x".repeat(99)}... (150 characters)`);
  assert.equal(quote([1, 2]), "[1,2]");
});

test("capMessage caps every long quoted value and long unquoted run in a message, leaves the rest, and is idempotent", () => {
  const long = "a".repeat(5000);
  const message = `label value ${JSON.stringify(long)} is invalid; kinds: ${long} (1), Foo (1); name "short"`;
  const capped = capMessage(message);
  assert.equal(capped, `label value "${"a".repeat(100)}..." (5000 characters) is invalid; kinds: ${"a".repeat(100)}... (5000 characters) (1), Foo (1); name "short"`);
  assert.equal(capMessage(capped), capped);
  // Escapes inside the quoted value are kept whole, never cut in the middle.
  const escaped = capMessage(`value ${JSON.stringify("\n".repeat(300))} is wrong ${"-".repeat(200)}`);
  assert.equal(escaped, `value "${"\\n".repeat(100)}..." (300 characters) is wrong ${"-".repeat(200)}`);
  // Capped again (Diagnostics.add, then formatDiagnostic; load.ts adds each lowered diagnostic again): unchanged.
  assert.equal(capMessage(escaped), escaped);
  // Prose and short values are untouched, however long the message.
  const prose = Array.from({ length: 100 }, (_, i) => `"name-${i}"`).join(", ");
  assert.equal(capMessage(prose), prose);
});

test("errors, field paths and notes quote a 1 MB label value, name, key and kind capped (exit 2, a few KB of output, not megabytes)", async () => {
  const v = "a".repeat(1_000_000), k = "k".repeat(1000);
  const t = tempFiles({
    "big.yaml": [
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels:\n    app: ${v}\n    ${k}: x\nspec:\n  containers: [{name: c, image: x}]`,
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${v}\nspec:\n  containers: [{name: c, image: x}]`,
      `apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: ${v}\n  ports: [{port: 80}]`,
      `apiVersion: v1\nkind: ${v}\nmetadata: {name: x}`,
    ].join("\n---\n"),
  });
  try {
    const r = await cli(["analyze", "-f", join(t.dir, "big.yaml")]);
    assert.equal(r.code, 2);
    assert.ok(r.err.length < 3000, `stderr is ${r.err.length} characters`);
    assert.match(r.err, /metadata\.labels\.app: label value "a{100}\.\.\." \(1000000 characters\) is invalid/);
    assert.match(r.err, /metadata\.labels\.k{100}\.\.\. \(1000 characters\): label key "k{100}\.\.\." \(1000 characters\) is invalid/);
    assert.match(r.err, /metadata\.name: "a{100}\.\.\." \(1000000 characters\) is longer than 253 characters/);
    assert.match(r.err, /spec\.type: "a{100}\.\.\." \(1000000 characters\) is not one of ClusterIP/);
    // (A kind of more than 63 characters is no kind of any API: an error, where it was a note counting it.)
    assert.match(r.err, /kind: no API serves kind "a{100}\.\.\." \(1000000 characters\): .*no matches for kind "a{100}\.\.\." \(1000000 characters\) in version "v1"/);
    const json = await cli(["validate", "-o", "json", "-f", join(t.dir, "big.yaml")]);
    assert.ok(json.out.length < 5000, `validate -o json is ${json.out.length} characters`);
    assert.ok(JSON.parse(json.out).diagnostics.some((d: { message: string }) => d.message.includes('"' + "a".repeat(100) + '..." (1000000 characters)')));
    // A usage error quoting an option's value.
    const usage = await cli(["matrix", "-f", join(t.dir, "big.yaml"), "--port", "9".repeat(100_000)]);
    assert.equal(usage.code, 2);
    assert.ok(usage.err.length < 1000, `usage error is ${usage.err.length} characters`);
  } finally { t.cleanup(); }
});
