// UTF-16 files with a byte-order mark, read as kubectl reads them: cli-runtime's FileVisitor decodes
// every file and stdin through unicode.BOMOverride(unicode.UTF8.NewDecoder()) (resource/visitor.go),
// so FF FE is UTF-16LE and FE FF UTF-16BE; without a mark the bytes are UTF-8 (and a UTF-16 text's
// NUL bytes refuse it, as before).

import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempFiles } from "../helpers.js";
import { loadPaths } from "../../src/sources/load.js";
import { decode, readBounded } from "../../src/sources/read.js";
import { formatDiagnostic } from "../../src/model/source.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));
const LE = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
const BE = (text: string) => Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]);
const POD = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: caf\u00e9-\u{1F600}\n  namespace: x\n  labels: {app: web}\nspec:\n  containers: [{name: c, image: i}]\n";
const NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  ingres: []\n";

test("UTF-16LE and UTF-16BE files with a byte-order mark are read as their text; errors name the right line", () => {
  const t = tempFiles({});
  try {
    writeFileSync(join(t.dir, "le.yaml"), LE("apiVersion: v1\nkind: Namespace\nmetadata: {name: le}\n"));
    writeFileSync(join(t.dir, "be.json"), BE(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "be" } })));
    writeFileSync(join(t.dir, "crlf.yaml"), BE("apiVersion: v1\r\nkind: Namespace\r\nmetadata: {name: crlf}\r\n"));
    const ok = loadPaths([t.dir]);
    assert.deepEqual(ok.diagnostics.errors.map(formatDiagnostic), []);
    assert.deepEqual([...ok.inventory.namespaces.keys()].sort(), ["be", "crlf", "le"]);
    // Line numbers are those of the text: the unknown field is on line 6 in both byte orders.
    for (const [name, bytes] of [["np-le.yaml", LE(NP)], ["np-be.yaml", BE(NP)]] as const) {
      writeFileSync(join(t.dir, name), bytes);
      const e = loadPaths([join(t.dir, name)]).diagnostics.errors.map(formatDiagnostic);
      assert.match(e[0], new RegExp(`${name}:6 spec\\.ingres: unknown field "ingres"`), e.join("\n"));
    }
  } finally { t.cleanup(); }
});

test("UTF-16 text is decoded exactly: astral characters (surrogate pairs), a second byte-order mark stays text, a lone surrogate, an odd byte or a NUL is refused with its line", () => {
  assert.equal(decode(LE(POD)), POD);
  assert.equal(decode(BE(POD)), POD);
  assert.equal(decode(LE("\uFEFFa: 1\n")), "\uFEFFa: 1\n");
  const lone = Buffer.concat([LE("a: 1\nb: "), Buffer.from([0x00, 0xd8]), LE("x\n").subarray(2)]);
  assert.deepEqual(decode(lone), { error: "line 2: invalid UTF-16 (a lone surrogate: kubectl would read it as U+FFFD, the replacement character); save the file as UTF-8" });
  assert.deepEqual(decode(Buffer.concat([LE("a: 1\n"), Buffer.from([0x41])])), { error: "line 2: invalid UTF-16 (an odd number of bytes: kubectl would read the last one as U+FFFD); save the file as UTF-8" });
  assert.deepEqual(decode(LE("a: 1\n\nb: \0\n")), { error: "line 3: binary data (a NUL byte): not a YAML or JSON file" });
  // Without a byte-order mark: UTF-8, so UTF-16's NUL bytes refuse it.
  assert.deepEqual(decode(Buffer.from("a: 1\n", "utf16le")), { error: "line 1: binary data (a NUL byte): not a YAML or JSON file" });
});

test("UTF-16 on stdin and in chunked reads is read to its end (its NUL bytes do not end the read)", () => {
  const t = tempFiles({});
  try {
    const big = "apiVersion: v1\nkind: List\nitems:\n" + Array.from({ length: 30000 }, (_, i) => `- {apiVersion: v1, kind: Namespace, metadata: {name: n${i}}}\n`).join("");
    const path = join(t.dir, "big.yaml");
    writeFileSync(path, LE(big));
    assert.ok(LE(big).length > 2 * 1024 * 1024, "more than one chunk");
    assert.equal(decode(readBounded(path, 1 << 30)), big);
    const r = spawnSync(process.execPath, [BIN, "validate", "-f", "-", "-o", "json"], { input: LE(big), encoding: "utf8", maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).counts.namespaces, 30000);
  } finally { t.cleanup(); }
});
