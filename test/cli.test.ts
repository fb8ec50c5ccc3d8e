import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

test("junction --help lists every command and exits 0", async () => {
  const r = await cli(["--help"]);
  assert.equal(r.code, 0);
  for (const c of ["explain", "test", "matrix", "list", "validate", "analyze"]) assert.match(r.out, new RegExp(`\\n  ${c} `));
});

test("every command has --help", async () => {
  for (const c of ["explain", "test", "matrix", "list", "validate", "analyze"]) {
    const r = await cli([c, "--help"]);
    assert.equal(r.code, 0, c);
    assert.match(r.out, /Usage: junction /);
  }
});

test("an unknown command or flag exits 2 with usage, no stack trace", async () => {
  const r1 = await cli(["frobnicate"]);
  assert.equal(r1.code, 2);
  assert.match(r1.err, /unknown command "frobnicate"/);
  const r2 = await cli(["list", "--bogus"]);
  assert.equal(r2.code, 2);
  assert.match(r2.err, /unknown flag: --bogus/);
  assert.doesNotMatch(r2.err, /at .*\.js:\d+/);
});

test("options written before the command apply to it", async () => {
  const r = await cli(["--host-network=pod", "list", "-f", "-"], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
  assert.equal(r.code, 0, r.err);
});
