// Hostile-input and kubectl-fidelity audit (second round): what the CLI says about bad input names
// the file, the line and the field, and a large file costs no more to report an error in than to read.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

test("validate: a YAML error names the file and line (as list does), a folder's skipped README is a note, not a failure, and --max-input-size applies", async () => {
  const t = tempFiles({
    "ok/ns.yaml": NS("a"), "ok/README.md": "# notes\n",
    "bad/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n  a: b\n  ~: d\n",
  });
  try {
    const ok = await cli(["validate", "-f", join(t.dir, "ok")]);
    assert.equal(ok.code, 0, ok.err + ok.out);
    assert.match(ok.out, /note: .*ok: skipped 1 file without a \.yaml\/\.yml\/\.json extension/);
    assert.match(ok.out, /^valid: 0 errors/m);
    const bad = await cli(["validate", "-f", join(t.dir, "bad")]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad\/cm\.yaml:6: invalid YAML: a null mapping key/);
    const big = await cli(["validate", "-f", join(t.dir, "ok"), "--max-input-size", "10"]);
    assert.equal(big.code, 2);
    assert.match(big.err, /ns\.yaml: the input is larger than the limit of 10 bytes in all \(raise it with --max-input-size\)/);
  } finally { t.cleanup(); }
});
