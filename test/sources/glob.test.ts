// -f PATTERN: kubectl expands a -f path that does not exist as a file pattern (cli-runtime builder.go
// expandIfFilePattern, Go's filepath.Glob), and reads each match as a -f path.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { glob, match } from "../../src/sources/glob.js";
import { loadPaths } from "../../src/sources/load.js";
import { formatDiagnostic } from "../../src/model/source.js";

const NS = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;

test("filepath.Match: * and ? stop at '/', classes with ranges, negation and escapes; malformed patterns are errors even where the name does not match", () => {
  const yes: [string, string][] = [["*", "abc"], ["a*", "a"], ["*c", "abc"], ["a*b?c*x", "abxbbxdbxebxczzx"], ["ab[b-d]", "abc"], ["ab[^e-g]", "abc"],
    ["a\\*b", "a*b"], ["a?b", "a\u263Ab"], ["a[^a]b", "a\u263Ab"], ["[a-\u03B6]*", "\u03B1"], ["[\\]a]", "]"], ["[\\-]", "-"], ["[x\\-]", "-"], ["[\\-x]", "x"], ["*x", "xxx"],
    [".*.yaml", ".hidden.yaml"]];
  const no: [string, string][] = [["a*", "ab/c"], ["a*/b", "a/c/b"], ["a*b?c*x", "abxbbxdbxebxczzy"], ["ab[e-g]", "abc"], ["ab[^b-d]", "abc"], ["a\\*b", "ab"],
    ["a???b", "a\u263Ab"], ["*[a-\u03B6]", "A"], ["a?b", "a/b"], ["a*b", "a/b"], ["[x\\-]", "z"], ["[z-a]", "m"]];
  const bad = ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "a/b["];
  for (const [p, s] of yes) assert.equal(match(p, s), true, `${p} ~ ${s}`);
  for (const [p, s] of no) assert.equal(match(p, s), false, `${p} !~ ${s}`);
  for (const p of bad) assert.throws(() => match(p, "a"), /syntax error in pattern/, p);
});

test("-f 'PATTERN' reads what the pattern matches, in Go's order, a matched file whatever its name and a matched folder as a folder; no match or a bad pattern is an error", async () => {
  const t = tempFiles({ "d/a.yaml": NS("a"), "d/b.yml": NS("b"), "d/c.txt": NS("c"), "d/sub/s.yaml": NS("s"), "d/sub/.hidden/z.yaml": NS("z"), "e/x.yaml": NS("x") });
  try {
    mkdirSync(join(t.dir, "d", "empty.yaml"));
    writeFileSync(join(t.dir, "d", "empty.yaml", "in.yaml"), NS("in"));
    assert.deepEqual(glob(join(t.dir, "d", "*.y*ml")), [join(t.dir, "d", "a.yaml"), join(t.dir, "d", "b.yml"), join(t.dir, "d", "empty.yaml")]);
    assert.deepEqual(glob(join(t.dir, "[de]", "?.yaml")), [join(t.dir, "d", "a.yaml"), join(t.dir, "e", "x.yaml")]);
    const names = (l: ReturnType<typeof loadPaths>) => [...l.inventory.namespaces.keys()].sort();
    // A match is a -f path: c.txt is read (given explicitly), the folders empty.yaml and sub walked,
    // sub/.hidden only with -R (a hidden folder).
    assert.deepEqual(names(loadPaths([join(t.dir, "d", "*")])), ["a", "b", "c", "in", "s"]);
    assert.deepEqual(names(loadPaths([join(t.dir, "d", "*")], undefined, { recursive: true })), ["a", "b", "c", "in", "s", "z"]);
    const r = await cli(["validate", "-f", join(t.dir, "*", "x.yaml")]);
    assert.equal(r.code, 0, r.err);
    const none = loadPaths([join(t.dir, "d", "*.json")]);
    assert.match(none.diagnostics.errors.map(formatDiagnostic).join("\n"), /\*\.json: no such file or directory, and no path matches it as a pattern \(kubectl: the path ".*" does not exist\)/);
    const bad = loadPaths([join(t.dir, "d", "[x-")]);
    assert.match(bad.diagnostics.errors.map(formatDiagnostic).join("\n"), /\[x-: no such file or directory; as a file pattern \(kubectl expands a -f path that does not exist\) it is not valid: syntax error in pattern/);
    // A path that exists is never a pattern.
    writeFileSync(join(t.dir, "lit[1].yaml"), NS("lit"));
    assert.deepEqual(names(loadPaths([join(t.dir, "lit[1].yaml")])), ["lit"]);
  } finally { t.cleanup(); }
});
