// Tables are padded to their widest cell: also with more rows than a function may take arguments
// (list -o table at 100k pods has about 290k rows; Math.max(...cells) overflowed the stack there).

import { test } from "node:test";
import assert from "node:assert/strict";
import { renderTable } from "../../src/targets/table.js";

test("renderTable pads every column to its widest cell, with 300k rows too", () => {
  assert.equal(renderTable(["A", "BB", "C"], [["xyz", "1", "last"], ["", "22222", ""]]), "A    BB     C\nxyz  1      last\n     22222\n");
  const rows = Array.from({ length: 300_000 }, (_, i) => [`r${i}`, i % 7 ? "x" : "wide-cell", "c"]);
  const lines = renderTable(["SRC", "DST", "CONNECTIONS"], rows).split("\n");
  assert.equal(lines.length, 300_002);
  assert.equal(lines[0], `SRC${" ".repeat("r299999".length - 3 + 2)}DST${" ".repeat("wide-cell".length - 3 + 2)}CONNECTIONS`);
  assert.equal(lines[2], `r1${" ".repeat("r299999".length - 2 + 2)}x${" ".repeat("wide-cell".length - 1 + 2)}c`);
});
