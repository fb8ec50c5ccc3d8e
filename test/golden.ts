// Golden files: expected output kept in test/golden/. Run with UPDATE_GOLDEN=1 to rewrite them
// after an intended change (and review the diff).

import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

/** test/golden/ in the source tree (tests run from dist/test/). */
const GOLDEN = fileURLToPath(new URL("../../test/golden/", import.meta.url));

export function assertGolden(name: string, actual: string): void {
  const path = GOLDEN + name;
  if (process.env.UPDATE_GOLDEN || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    if (!process.env.UPDATE_GOLDEN) assert.fail(`golden file ${name} did not exist; it was written — review it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(path, "utf8"), `output differs from test/golden/${name} (UPDATE_GOLDEN=1 to accept)`);
}
