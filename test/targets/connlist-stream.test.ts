// `junction list` writes txt, json and yaml in pieces (also per network and with --exposure) (at 150k pods the answer is hundreds of megabytes):
// the pieces must join to exactly what one JSON.stringify(data, null, 2) (and the txt lines) give.

import { test } from "node:test";
import assert from "node:assert/strict";
import { generateCluster } from "../../src/generate/cluster.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { connectionList, connectionListWithPeers, type ConnEntry } from "../../src/analyze/connlist.js";
import { exposureAnalysis } from "../../src/analyze/exposure-analysis.js";
import { NO_FOCUS } from "../../src/analyze/focus.js";
import { exposureData, writeListWithExposure } from "../../src/targets/exposure-analysis.js";
import { CONNLIST_FORMATS, connlistData, renderConnlist, writeConnlist, writeConnRows, writeRows } from "../../src/targets/connlist.js";
import { ConnRows } from "../../src/analyze/connlist.js";
import { escapeControls } from "../../src/cli/terminal.js";
import { formatConns } from "../../src/model/ports.js";
import { renderYaml } from "../../src/targets/data.js";
import { loadFiles } from "../../src/sources/load.js";

function written(entries: Parameters<typeof writeConnlist>[0], format: Parameters<typeof writeConnlist>[1], escape?: (s: string) => string): { text: string; pieces: number; longest: number } {
  const parts: string[] = [];
  writeConnlist(entries, format, (s) => parts.push(s), escape);
  return { text: parts.join(""), pieces: parts.length, longest: Math.max(0, ...parts.map((p) => p.length)) };
}

test("list -o json, -o yaml and -o txt written in pieces are byte-identical to rendering them whole (0, 1 and several batches)", () => {
  const files = generateCluster({ pods: 1000, namespaces: 13, policies: 100, seed: 1 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const all = connectionList(inv, new FastConnectivity(new PolicyEngine(inv)));
  assert.ok(all.length > 2000, `${all.length} entries: more than one batch`);
  for (const entries of [[], all.slice(0, 1), all.slice(0, 2000), all]) {
    const json = written(entries, "json");
    assert.equal(json.text, JSON.stringify(connlistData(entries), null, 2) + "\n");
    assert.equal(written(entries, "txt").text, entries.map((e) => `${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}\n`).join(""));
    assert.equal(written(entries, "yaml").text, renderYaml(connlistData(entries)));
    if (entries === all) assert.ok(json.pieces > 2, "written in pieces");
    // Pieces stay small (V8 keeps strings under 128 KiB out of the large-object space): a piece ends after the entry that passes 64 Ki characters.
    assert.ok(json.longest < 64 * 1024 + 2000, `longest piece ${json.longest}`);
  }
});

test("list written with the terminal's escape: the pieces are the escape of the whole rendering, in every format (the CLI does not scan them again)", () => {
  const files = generateCluster({ pods: 200, namespaces: 4, policies: 20, seed: 3 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const all = connectionList(inv, new FastConnectivity(new PolicyEngine(inv)));
  // Hostile ids (a lenient load keeps such names): ESC sequences, CR, C1, DEL, a bidi override and an isolate.
  const hostile = ["\u001b]0;pwned\u0007", "\r", "\u009b", "\u007f", "\u202e", "\u2066"];
  const entries = all.map((e, i) => ({ ...e, src: { ...e.src, id: `${e.src.id}${hostile[i % hostile.length]}` } }));
  for (const format of CONNLIST_FORMATS) {
    const w = written(entries, format, escapeControls);
    assert.equal(w.text, escapeControls(renderConnlist(entries, format)), format);
    assert.doesNotMatch(w.text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/, format);
  }
  assert.deepEqual(JSON.parse(written(entries, "json", escapeControls).text), connlistData(entries), "the escapes keep JSON valid and the ids intact");
});

test("list rows written as bytes (the CLI's path) are the UTF-8 of the text path, byte for byte: non-ASCII and hostile ids, a text longer than a piece, the buffer reused", () => {
  const files = generateCluster({ pods: 1000, namespaces: 13, policies: 100, seed: 1 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const list = connectionListWithPeers(inv, new FastConnectivity(new PolicyEngine(inv)));
  const rows = list.rows;
  const odd = ["é", "日本", "\u001b]0;x\u0007", "\u202e", "a\nb", "😀", "q\"q", "x".repeat(300 * 1024)];
  const peers = rows.peers.map((p, i) => (i % 7 === 0 ? { ...p, id: `${p.id}${odd[(i / 7) % odd.length]}` } : p));
  const hostile = new ConnRows(peers, rows.src, rows.dst, rows.conn, rows.table);
  const more = list.entries.slice(0, 3);
  for (const r of [rows, hostile]) {
    for (const format of ["txt", "json", "yaml"] as const) {
      for (const escape of [undefined, escapeControls]) {
        const text: string[] = [];
        writeConnRows(r, more, format, (s) => text.push(s), escape);
        const chunks: Buffer[] = [];
        const buffers = new Set<ArrayBufferLike>();
        let written = 0;
        writeConnRows(r, more, format, (s) => chunks.push(Buffer.from(s)), escape, (b) => {
          buffers.add(b.buffer);
          written++;
          chunks.push(Buffer.from(b));
        });
        const whole = text.join("");
        assert.equal(whole, (escape ?? ((s: string) => s))(renderConnlist([...r.entries(), ...more], format)), format);
        assert.ok(Buffer.concat(chunks).equals(Buffer.from(whole, "utf8")), `${format}: the bytes are the text's`);
        if (format === "json") assert.ok(written > 3 && buffers.size < written, `${written} pieces from ${buffers.size} buffers`);
      }
    }
  }
});

test("list -o yaml written in pieces: ids that YAML quotes, folds into block scalars or must not read as numbers or bools are rendered as the whole document renders them", () => {
  const files = generateCluster({ pods: 60, namespaces: 3, policies: 6, seed: 5 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const all = connectionList(inv, new FastConnectivity(new PolicyEngine(inv)));
  const odd = ["y", "on", "1:20", "0o17", "a\nb", "multi\nline\n", " lead", "trail ", "x: y", "- z", "'q'", "\"d\"", "#h", "", "é\u202e", "a\u0085b", "\u001b[2J", "[x]", "{a: b}", "~", "null", "2026-12-05", "*alias", "&anchor", "!tag", "%dir", "@at", "`tick", "a #b", "?", ":"];
  const entries = all.map((e, i) => ({ ...e, src: { ...e.src, id: odd[i % odd.length] }, dst: i % 3 ? e.dst : { ...e.dst, id: `${odd[(i + 5) % odd.length]}x` } }));
  assert.equal(written(entries, "yaml").text, renderYaml(connlistData(entries)));
  assert.equal(written(entries, "yaml", escapeControls).text, escapeControls(renderYaml(connlistData(entries))));
  assert.equal(written([], "yaml").text, renderYaml([]));
});

test("per-network list and list --exposure, -o json and yaml written row by row: byte-identical to rendering the whole document (odd ids, empty sections, nested under connections)", () => {
  const files = generateCluster({ pods: 60, namespaces: 3, policies: 6, seed: 5 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const engine = new PolicyEngine(inv);
  const list = connectionListWithPeers(inv, new FastConnectivity(engine));
  const exposure = exposureAnalysis(inv, engine, list.workloads, list.entries, NO_FOCUS);
  const odd = ["y", "on", "1:20", "a\nb", "multi\nline\n", "a\n\n\nb", " lead", "'q'", "\"d\"", "", "~", "null", "*alias", "a #b", ":"];
  const all = list.entries.map((e, i) => ({ ...e, src: { ...e.src, id: odd[i % odd.length] }, dst: i % 3 ? e.dst : { ...e.dst, id: `${odd[(i + 5) % odd.length]}x` } }));
  const half = Math.floor(all.length / 2);
  const layouts = [[], [{ entries: [], network: "pod-network" }], [{ entries: all }], [{ entries: all.slice(0, half), network: "on" }, { entries: [], network: "b\nc" }, { entries: all.slice(half), network: "pod-network" }]];
  const data = (rows: { entries: readonly ConnEntry[]; network?: string }[]) => rows.flatMap((r) => connlistData(r.entries).map((d) => (r.network === undefined ? d : { network: r.network, ...d })));
  const write = (f: (out: (s: string) => void) => void) => { const parts: string[] = []; f((s) => parts.push(s)); return parts.join(""); };
  for (const rows of layouts) {
    for (const format of ["json", "yaml"] as const) {
      const whole = (doc: unknown) => (format === "json" ? JSON.stringify(doc, null, 2) + "\n" : renderYaml(doc));
      assert.equal(write((out) => writeRows(rows, format, out)), whole(data(rows)), `${format} rows ${rows.length}`);
      assert.equal(write((out) => writeListWithExposure(rows, exposure, format, out)), whole({ connections: data(rows), exposure: exposureData(exposure) }), `${format} exposure rows ${rows.length}`);
    }
  }
  assert.ok(exposure.lines.length > 0 || exposure.unprotected.length > 0, "some exposure to write");
});
