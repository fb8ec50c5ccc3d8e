// `list` writes its rows as bytes from one reused buffer (targets/connlist.ts ByteWriter): to a file
// as they are, to a pipe in full before the buffer is reused (cli/main.ts writeBytes). Through a
// pipe whose reader stalls, the bytes are the file's.

import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempFiles } from "../helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

test("list -o json through a pipe whose reader stalls gives the bytes it writes to a file", async () => {
  const { dir, cleanup } = tempFiles({});
  try {
    const cluster = join(dir, "cluster");
    const gen = spawnSync(process.execPath, [BIN, "generate", "--pods", "1500", "--format", "json", "-o", cluster], { encoding: "utf8" });
    assert.equal(gen.status, 0, gen.stderr);
    const args = [BIN, "list", "-q", "-f", cluster, "-o", "json"];
    const file = join(dir, "out.json"), fd = openSync(file, "w");
    const direct = spawnSync(process.execPath, args, { stdio: ["ignore", fd, "pipe"], encoding: "utf8" });
    closeSync(fd);
    assert.equal(direct.status, 0, direct.stderr);
    const expected = readFileSync(file);
    assert.ok(expected.length > 4 * 256 * 1024, `several pieces of 256 KiB (${expected.length} bytes)`);
    const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    let stalls = 0;
    p.stdout!.on("data", (c: Buffer) => {
      chunks.push(c);
      // The reader stops now and then: the writer finds the pipe full.
      if (stalls++ % 8 === 0) { p.stdout!.pause(); setTimeout(() => p.stdout!.resume(), 40); }
    });
    const code = await new Promise<number | null>((r) => p.on("close", (c) => r(c)));
    assert.equal(code, 0);
    assert.ok(Buffer.concat(chunks).equals(expected), "the same bytes");
  } finally {
    cleanup();
  }
});
