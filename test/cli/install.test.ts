// An installation is the package's files (package.json "files"): bin/, dist/src, dist/ui and the
// vendored schemas/. Without the schemas nothing could be validated and no answer would say so, so
// a command refuses to run instead of reading every object unchecked.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../../..", import.meta.url));

test("an installation without its vendored schemas is refused, not read unvalidated", () => {
  const dir = mkdtempSync(join(tmpdir(), "junction-install-"));
  try {
    for (const p of ["bin", "dist/src", "package.json"]) cpSync(join(REPO, p), join(dir, p), { recursive: true });
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: a, namespace: x}\nspec: {podSelector: {}, policyTypes: [Sideways]}\n");
    const run = (root: string) => spawnSync(process.execPath, [join(root, "bin/junction.js"), "validate", "-f", bad], { encoding: "utf8" });
    const r = run(dir);
    assert.equal(r.status, 70, r.stderr);
    assert.match(r.stderr, /the vendored schemas are missing \(.*schemas\/upstream\/?\): this installation of Junction is incomplete/);
    // The same file with the repository's own installation: the schema finds the error.
    const full = run(REPO);
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stdout + full.stderr, /policyTypes\[0\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
