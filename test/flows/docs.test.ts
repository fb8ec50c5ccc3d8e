// docs/flows.md shows real output: every "$ junction ..." block is run and compared (the history
// record example writes into a temporary file instead of the one it names).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";

const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("the examples in docs/flows.md are what the commands print", async () => {
  const blocks = [...readFileSync("docs/flows.md", "utf8").matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 4);
  const t = tempFiles({});
  try {
    for (const [, command, output] of blocks) {
      const r = await cli(words(command.replace("/tmp/shop-history.jsonl", `${t.dir}/h.jsonl`)));
      assert.equal(r.out, output, `docs/flows.md: junction ${command}`);
    }
  } finally { t.cleanup(); }
});
