// `junction list` writes txt and json in pieces (at 150k pods the answer is hundreds of megabytes):
// the pieces must join to exactly what one JSON.stringify(data, null, 2) (and the txt lines) give.

import { test } from "node:test";
import assert from "node:assert/strict";
import { generateCluster } from "../../src/generate/cluster.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { connectionList } from "../../src/analyze/connlist.js";
import { connlistData, writeConnlist } from "../../src/targets/connlist.js";
import { formatConns } from "../../src/model/ports.js";
import { loadFiles } from "../../src/sources/load.js";

function written(entries: Parameters<typeof writeConnlist>[0], format: "txt" | "json"): { text: string; pieces: number } {
  const parts: string[] = [];
  writeConnlist(entries, format, (s) => parts.push(s));
  return { text: parts.join(""), pieces: parts.length };
}

test("list -o json and -o txt written in pieces are byte-identical to rendering them whole (0, 1 and several batches)", () => {
  const files = generateCluster({ pods: 1000, namespaces: 13, policies: 100, seed: 1 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const inv = loadFiles(files).inventory;
  const all = connectionList(inv, new FastConnectivity(new PolicyEngine(inv)));
  assert.ok(all.length > 2000, `${all.length} entries: more than one batch`);
  for (const entries of [[], all.slice(0, 1), all.slice(0, 2000), all]) {
    const json = written(entries, "json");
    assert.equal(json.text, JSON.stringify(connlistData(entries), null, 2) + "\n");
    assert.equal(written(entries, "txt").text, entries.map((e) => `${e.src.id} => ${e.dst.id} : ${formatConns(e.conns)}\n`).join(""));
    if (entries === all) assert.ok(json.pieces > 2, "written in pieces");
  }
});
