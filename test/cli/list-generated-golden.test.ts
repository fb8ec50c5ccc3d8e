// `junction list -o json` on a generated 1k-pod cluster (JSON and YAML dumps), pinned by digest: the
// load and output paths are tuned for speed (issue 15), and the bytes written must not move. The
// golden file holds the SHA-256 and size of the output; UPDATE_GOLDEN=1 rewrites it after an
// intended change (review the output first).

import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";

test("list -o json on the generated 1k-pod cluster: the same bytes from the JSON and the YAML dump, and as pinned", async () => {
  const t = tempFiles({});
  try {
    const digests: string[] = [];
    let first = "";
    for (const format of ["json", "yaml"]) {
      const dir = join(t.dir, format);
      const g = await cli(["generate", "--pods", "1000", "--policies", "100", "--format", format, "-o", dir]);
      assert.equal(g.code, 0, g.err);
      const r = await cli(["list", "-f", dir, "-R", "-o", "json"]);
      assert.equal(r.code, 0, r.err);
      assert.ok(r.out.length > 1_000_000, `${r.out.length} bytes: the whole list`);
      digests.push(`sha256 ${createHash("sha256").update(r.out).digest("hex")}\nbytes ${Buffer.byteLength(r.out)}\n`);
      first ||= r.out;
    }
    // The process writes the rows as bytes (main.ts outBytes, pieces of 256 KiB from one reused
    // buffer): to a file as they are, through a pipe copied. Both give the same bytes as the text path.
    const bin = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url)), args = [bin, "list", "-f", join(t.dir, "json"), "-R", "-o", "json"];
    const piped = spawnSync(process.execPath, args, { maxBuffer: 1 << 30 });
    assert.equal(piped.status, 0, String(piped.stderr));
    assert.ok(piped.stdout.equals(Buffer.from(first)), "through a pipe");
    const file = join(t.dir, "out.json"), fd = openSync(file, "w");
    try { assert.equal(spawnSync(process.execPath, args, { stdio: ["ignore", fd, "pipe"] }).status, 0); } finally { closeSync(fd); }
    assert.ok(readFileSync(file).equals(Buffer.from(first)), "to a file");
    assert.equal(digests[1], digests[0], "the YAML dump gives the same output as the JSON dump");
    assertGolden("list-generated-1k-json.digest", digests[0]);
  } finally {
    t.cleanup();
  }
});
