// The README's routing examples are real output: every "$ junction ..." block of the section
// "Routing: Gateway API and Ingress" is run and compared.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli } from "../helpers.js";

function section(): string {
  const text = readFileSync("README.md", "utf8");
  const start = text.indexOf("## Routing: Gateway API and Ingress");
  return text.slice(start, text.indexOf("\n## ", start + 1));
}

/** Splits a command line on spaces, keeping 'single-quoted' words together. */
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("the routing examples in the README are what the commands print", async () => {
  const blocks = [...section().matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 3);
  for (const [, command, output] of blocks) {
    if (command.includes("../shared")) continue;
    const r = await cli(words(command));
    assert.equal(r.out, output, `README: junction ${command}`);
  }
});
