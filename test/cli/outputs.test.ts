// Output paths the user names: a file where a folder is expected (and the reverse), a folder whose
// parent is a file, a report that exists: one clear line, exit 2, nothing written or overwritten.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";

const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

test("generate -o and schema -o: a path that is a file, or lies under one, is exit 2 in one line; the file is untouched", async () => {
  const t = tempFiles({ "file.txt": "mine\n" });
  try {
    for (const args of [["generate", "--pods", "20"], ["schema"]]) {
      for (const out of [join(t.dir, "file.txt"), join(t.dir, "file.txt", "sub")]) {
        const r = await cli([...args, "-o", out]);
        assert.equal(r.code, 2, `${args[0]} -o ${out}: ${r.err}`);
        assert.ok(oneLine(r.err), r.err);
        assert.match(r.err, /is a file, not a folder|a part of the path is a file, not a folder/);
        assert.doesNotMatch(r.err, /internal error|\n\s+at /);
      }
    }
    assert.equal(readFileSync(join(t.dir, "file.txt"), "utf8"), "mine\n");
    const made = await cli(["generate", "--pods", "20", "-o", join(t.dir, "new", "deeper")]);
    assert.equal(made.code, 0, made.err);
    assert.ok(readdirSync(join(t.dir, "new", "deeper")).length > 0, "a missing folder is created with its parents");
    const full = await cli(["generate", "--pods", "20", "-o", join(t.dir, "new", "deeper")]);
    assert.equal(full.code, 2);
    assert.match(full.err, /the folder is not empty; choose another folder or add --force/);
  } finally { t.cleanup(); }
});

test("convert ingress --report: a folder, an existing file, a missing parent folder are exit 2, never an internal error", async () => {
  const t = tempFiles({ "existing.json": "keep me", "dir/x": "" });
  try {
    const run = (report: string) => cli(["convert", "ingress", "-f", "examples/ingress", "--report", report]);
    const dir = await run(join(t.dir, "dir"));
    assert.equal(dir.code, 2);
    assert.match(dir.err, /is a folder; name a file/);
    const exists = await run(join(t.dir, "existing.json"));
    assert.equal(exists.code, 2);
    assert.equal(readFileSync(join(t.dir, "existing.json"), "utf8"), "keep me");
    const missing = await run(join(t.dir, "nope", "r.json"));
    assert.equal(missing.code, 2);
    assert.match(missing.err, /cannot write: its folder does not exist/);
    const underFile = await run(join(t.dir, "existing.json", "r.json"));
    assert.equal(underFile.code, 2, underFile.err);
    assert.match(underFile.err, /a part of the path is a file, not a folder/);
  } finally { t.cleanup(); }
});
