// The `npm test` reporter ends the run with each skipped test and its reason.

import { test } from "node:test";
import assert from "node:assert/strict";
import skipSummary from "../reporters/skip-summary.js";

async function run(events: { type: string; data: Record<string, unknown> }[]): Promise<string> {
  async function* source() { for (const e of events) yield e as never; }
  let out = "";
  for await (const chunk of skipSummary(source())) out += chunk;
  return out;
}

test("the skip summary lists each skipped or todo test with its reason, and calls out a skip without one", async () => {
  const out = await run([
    { type: "test:pass", data: { name: "runs", nesting: 0 } },
    { type: "test:pass", data: { name: "lab up", file: `${process.cwd()}/dist/test/lab.test.js`, skip: "nft (package nftables) is not installed" } },
    { type: "test:pass", data: { name: "bare skip", skip: true } },
    { type: "test:fail", data: { name: "later", todo: "not written yet" } },
  ]);
  assert.match(out, /# 3 tests not run:/);
  assert.match(out, /skipped: dist\/test\/lab\.test\.js: lab up\n\s+because: nft \(package nftables\) is not installed/);
  assert.match(out, /skipped: bare skip\n\s+because: NO REASON GIVEN/);
  assert.match(out, /todo: later\n\s+because: not written yet/);
  assert.doesNotMatch(out, /runs/);
  assert.equal(await run([{ type: "test:pass", data: { name: "a" } }]), "\n# every test ran (none skipped)\n");
});
