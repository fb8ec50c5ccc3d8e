// Which policies select which classes (src/engine/fast/subjects.ts): the trie of the build (more than
// 64 classes asked) and the namespace index of a few classes give the same lists, in walk order.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { hasW } from "../../src/engine/fast/bitset.js";
import { generateCluster } from "../../src/generate/cluster.js";
import { renderManifests } from "../../src/targets/manifests.js";
import { loadFiles } from "../../src/sources/load.js";

test("selectedBy: every class's policies per direction, in walk order, the same for many classes (trie) as for a few (index); equal lists are one array", () => {
  const files = generateCluster({ pods: 600, namespaces: 8, policies: 60, seed: 4 }).map((f) => ({ name: `${f.path}.yaml`, text: renderManifests(f.objects, "yaml") }));
  const fast = new FastConnectivity(new PolicyEngine(loadFiles(files).inventory));
  const { subjects, sets, classes } = fast;
  const ids = classes.list.map((c) => c.id);
  assert.ok(ids.length > 64, `${ids.length} classes: the trie is taken`);
  const all = subjects.selectedBy(ids, sets, classes);
  // Some of the classes (every third one): still more than 64, the trie with classes left out.
  const some = ids.filter((id) => id % 3 === 0), part = subjects.selectedBy(some, sets, classes);
  const walk = subjects.walk();
  const byText = new Map<string, readonly unknown[]>();
  let selected = 0;
  for (const id of ids) {
    for (const d of ["egress", "ingress"] as const) {
      const expected = walk.filter((p) => p[d] && hasW(sets.subject(p.subject), id));
      const list = all.of(d, id);
      assert.deepEqual(list, expected, `class ${id} ${d}`);
      assert.deepEqual(subjects.selectedBy([id], sets, classes).of(d, id), expected, `class ${id} ${d}, alone`);
      if (id % 3 === 0) assert.deepEqual(part.of(d, id), list, `class ${id} ${d}, with classes left out`);
      else assert.deepEqual(part.of(d, id), [], `class ${id} ${d}: not asked`);
      selected += list.length ? 1 : 0;
      const text = list.map((p) => subjects.id(p)).join(",");
      const seen = byText.get(text);
      if (seen) assert.equal(list, seen, `class ${id} ${d}: equal lists are one array`); else byText.set(text, list);
    }
  }
  assert.ok(selected > 64 && byText.size > 4, `${selected} sides selected, ${byText.size} distinct lists`);
});
