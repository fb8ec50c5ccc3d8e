// A class's members (src/engine/fast/classes.ts): placed in bulk (placeAll joins them at the end,
// each list at its length) they are what placing the endpoints one by one gives (addEndpoint: an
// endpoint leaves the class it was in and joins the end of its class's list).

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Endpoint } from "../../src/model/endpoint.js";
import { generateCluster } from "../../src/generate/cluster.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { loadFiles } from "../../src/sources/load.js";

test("placeAll: members in placing order, each list at its length; placed again (some twice), as one by one", () => {
  const files = generateCluster({ pods: 300, namespaces: 4, policies: 30, seed: 9 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const { inventory } = loadFiles(files);
  const { classes } = new FastConnectivity(new PolicyEngine(inventory));
  const members = (list: readonly Endpoint[]) => {
    const out = new Map<number, Endpoint[]>();
    for (const e of list) { const c = classes.placed(e)!; let l = out.get(c); if (!l) out.set(c, l = []); l.push(e); }
    return out;
  };
  const expected = members(inventory.endpoints);
  assert.ok(classes.size > 20);
  for (const cls of classes.list) {
    assert.deepEqual(cls.members, expected.get(cls.id) ?? [], `class ${cls.id}`);
    assert.equal(Object.keys(cls.members).length, cls.members.length, `class ${cls.id}: no holes`);
  }
  // Endpoints of one class placed again, the first of them twice: each leaves its place and joins the end.
  const big = classes.list.reduce((a, b) => (b.members.length > a.members.length ? b : a));
  assert.ok(big.members.length >= 3, "a class of three endpoints");
  const [a, b, c] = big.members, again = [c, a, c, b, a];
  const oneByOne = new Map(classes.list.map((cls) => [cls.id, [...cls.members]]));
  for (const e of again) {
    const l = oneByOne.get(classes.placed(e)!)!;
    l.splice(l.indexOf(e), 1);
    l.push(e);
  }
  classes.placeAll(again);
  for (const cls of classes.list) assert.deepEqual(cls.members, oneByOne.get(cls.id), `class ${cls.id}, placed again`);
  assert.deepEqual(big.members.slice(-3), [c, b, a]);
});
