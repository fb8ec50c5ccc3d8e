// The gateway agent removes the internal servers' Unix sockets an nginx killed without a clean exit
// left in its folder (nginx does not unlink a socket path before binding it, so its next start would
// fail with "Address already in use"), and touches nothing else there.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeStaleSockets } from "../../src/lab/gateway-agent.js";

/** A socket file bound by a process that was then killed with SIGKILL: what a crashed nginx leaves. */
async function leftBySigkill(path: string): Promise<void> {
  const child = spawn(process.execPath, ["-e", "require('net').createServer().listen(process.argv[1], () => process.send('up'))", path], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  await new Promise<void>((done, fail) => { child.once("message", () => done()); child.once("exit", (c) => fail(new Error(`listener exited ${c}`))); });
  const gone = new Promise((done) => child.once("exit", done));
  child.kill("SIGKILL");
  await gone;
}

test("removeStaleSockets: a jx-*.sock left by a killed process is removed; other files and other sockets stay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "jx-stale-"));
  try {
    await leftBySigkill(join(dir, "jx-https-443.sock"));
    await leftBySigkill(join(dir, "other.sock"));
    writeFileSync(join(dir, "jx-notes.sock"), "a regular file with a socket's name");
    assert.ok(lstatSync(join(dir, "jx-https-443.sock")).isSocket(), "the killed listener left its socket file");
    assert.deepEqual(removeStaleSockets(dir), ["jx-https-443.sock"]);
    assert.equal(existsSync(join(dir, "jx-https-443.sock")), false);
    assert.ok(existsSync(join(dir, "other.sock")), "a socket not named as ours stays");
    assert.ok(existsSync(join(dir, "jx-notes.sock")), "a file that is not a socket stays");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
