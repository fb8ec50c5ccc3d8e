// The request benchmark's pieces (bench/requests.ts): its synthetic mesh answers the same through the
// request walk (route --requests) as through the plain evaluation it is compared with.

import { test } from "node:test";
import assert from "node:assert/strict";
import { meshCluster, meshRequests, plainAllowed } from "../../bench/requests.js";
import { loadFiles } from "../../src/sources/load.js";
import { Analysis } from "../../src/cli/analysis.js";
import { routeResults } from "../../src/cli/commands/route.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";

test("bench requests: the walk and the plain policy-by-policy evaluation agree, and both answers occur", () => {
  const { yaml, apps } = meshCluster("1k");
  const loaded = loadFiles([{ name: "mesh.yaml", text: yaml }]);
  assert.deepEqual(loaded.diagnostics.errors, []);
  assert.equal(loaded.inventory.mesh.istio.authorizations.length, 200);
  const entries = meshRequests(apps, 300);
  const statuses = routeResults(new Analysis(loaded, DEFAULT_OPTIONS), entries).map((r) => r.status);
  const plain = entries.map((e) => plainAllowed(loaded.inventory, e.request));
  assert.deepEqual(statuses.map((s) => s === 200), plain);
  assert.ok(statuses.includes(200) && statuses.includes(403));
});
