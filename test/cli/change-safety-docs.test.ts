// docs/change-safety.md is real output: every "$ junction ..." block is run and compared, and its
// table of lint codes is the list the command has.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli } from "../helpers.js";
import { LINT_RULES } from "../../src/analyze/lint.js";

const doc = () => readFileSync("docs/change-safety.md", "utf8");
const words = (line: string) => [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);

test("docs/change-safety.md: each example is what the command prints", async () => {
  const blocks = [...doc().matchAll(/```\n\$ junction (.*)\n([\s\S]*?)```/g)];
  assert.ok(blocks.length >= 8, `${blocks.length} examples`);
  for (const [, command, output] of blocks) {
    const r = await cli(words(command));
    assert.equal(r.out, output, `docs/change-safety.md: junction ${command}`);
  }
});

test("docs/change-safety.md: the lint code table lists every code with its severity", () => {
  const rows = [...doc().matchAll(/^\| `([a-z-]+)` \| (error|warning|note) \|/gm)].map((m) => [m[1], m[2]]);
  assert.deepEqual(rows, LINT_RULES.map((r) => [r.code, r.severity]));
});
