// The routing documentation's examples are real output: every "$ junction ..." block of
// docs/routing.md is run and compared.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli } from "../helpers.js";

function section(): string {
  return readFileSync("docs/routing.md", "utf8");
}

/** Splits a command line on spaces, keeping 'single-quoted' words together. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("the routing examples in docs/routing.md are what the commands print", async () => {
  const blocks = [...section().matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 3);
  for (const [, command, output] of blocks) {
    if (command.includes("../shared")) continue;
    const r = await cli(words(command));
    assert.equal(r.out, output, `docs/routing.md: junction ${command}`);
  }
});
