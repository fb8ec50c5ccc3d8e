// docs/mesh.md shows real output: every "$ junction ..." block is run and compared.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli } from "../helpers.js";

/** Splits a command line on spaces, keeping 'single-quoted' words together. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("the examples in docs/mesh.md are what the commands print", async () => {
  const blocks = [...readFileSync("docs/mesh.md", "utf8").matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 4);
  for (const [, command, output] of blocks) {
    // "... > /dev/null": the block shows what the command prints on stderr.
    const quiet = command.endsWith(" > /dev/null");
    const r = await cli(words(quiet ? command.slice(0, -" > /dev/null".length) : command));
    assert.equal(quiet ? r.err : r.out, output, `docs/mesh.md: junction ${command}`);
  }
});
