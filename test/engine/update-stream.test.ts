// The benchmark's stream of realistic changes (bench/stream.ts) on a generated cluster: pods coming
// and going, relabelled, making new classes; NetworkPolicies added, edited, removed; Admin policies
// selecting every namespace; namespaces relabelled. Applied incrementally, the answers must equal a
// fresh build's over the changed inventory.

import { test } from "node:test";
import assert from "node:assert/strict";
import { generateCluster } from "../../src/generate/cluster.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { loadFiles } from "../../src/sources/load.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { CHANGE_KINDS, runStream } from "../../bench/stream.js";

test("a stream of 400 realistic changes applied incrementally gives the connection list of a fresh build", () => {
  const files = generateCluster({ pods: 600, namespaces: 10, policies: 60, seed: 3 }).map((f) => ({ name: `${f.path}.json`, text: renderManifests(f.objects, "json") }));
  const inv = loadFiles(files).inventory;
  const fast = new FastConnectivity(new PolicyEngine(inv));
  const r = runStream(inv, fast, 400, 11, () => {});
  for (const k of CHANGE_KINDS) assert.ok(r.times.get(k)!.length > 0, `the stream applied some "${k}"`);
  assert.ok(r.lines > 100, `${r.lines} lines`);
  assert.ok(r.same, "the connection list after the stream equals a fresh build's");
});
