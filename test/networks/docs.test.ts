// The examples in docs/networks.md are real output: every "$ junction ..." block is run and compared.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli } from "../helpers.js";

test("the examples in docs/networks.md are what the commands print", async () => {
  const blocks = [...readFileSync("docs/networks.md", "utf8").matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 3);
  for (const [, command, output] of blocks) {
    const r = await cli(command.split(/\s+/));
    assert.equal(r.out, output, `docs/networks.md: junction ${command}`);
  }
});
