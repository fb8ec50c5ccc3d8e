// The fast engine evaluates each distinct selector once, by its key (sets.ts selectorKey): selectors
// that differ anywhere must get different keys (one set for both would give one of them the other's
// classes), equal selectors made separately the same key. The usual shape (no optional field set) is
// keyed without JSON.stringify, every other one by its JSON.

import { test } from "node:test";
import assert from "node:assert/strict";
import { selectorKey } from "../../src/engine/fast/sets.js";
import { selector, type Requirement } from "../../src/model/selector.js";
import type { EndpointSelector, NamespaceMatch } from "../../src/model/policy.js";

const sel = (namespaces: NamespaceMatch, labels: Record<string, string>, reqs: Requirement[] = [], kinds: EndpointSelector["kinds"] = ["pod"]): EndpointSelector =>
  ({ namespaces, labels: selector(labels, reqs), kinds });
const byName = (name: string): NamespaceMatch => ({ kind: "name", name });
const byLabels = (labels: Record<string, string>, reqs: Requirement[] = []): NamespaceMatch => ({ kind: "selector", selector: selector(labels, reqs) });

test("selectors that differ anywhere get different keys; equal ones made apart the same", () => {
  const variants: EndpointSelector[] = [
    sel(byName("a"), {}),
    sel(byName("b"), {}),
    sel({ kind: "any" }, {}),
    sel(byLabels({}), {}),
    sel(byLabels({ env: "prod" }), {}),
    sel(byLabels({ env: "dev" }), {}),
    sel(byLabels({}, [{ key: "env", operator: "Exists", values: [] }]), {}),
    sel(byName("a"), { app: "api" }),
    sel(byName("a"), { app: "web" }),
    sel(byName("a"), { app: "api", tier: "1" }),
    sel(byName("a"), {}, [{ key: "app", operator: "NotIn", values: ["api"] }]),
    sel(byName("a"), {}, [{ key: "app", operator: "In", values: ["api", "web"] }]),
    sel(byName("a"), {}, [{ key: "app", operator: "Exists", values: [] }]),
    sel(byName("a"), {}, [{ key: "app", operator: "DoesNotExist", values: [] }]),
    sel(byName("a"), {}, [], ["workload"]),
    sel(byName("a"), {}, [], ["pod", "workload"]),
    // Texts that would run into each other without their lengths and the counts' ends.
    sel(byName("a"), { "a1": "2" }),
    sel(byName("a"), { "a": "12" }),
    sel(byName("a"), {}, [{ key: "k", operator: "In", values: ["1#1:x", "y"] }]),
    sel(byName("a"), {}, [{ key: "k", operator: "In", values: ["1#1:x"] }, { key: "k2", operator: "In", values: ["y"] }]),
    sel(byName("1:a|0#|1#3:pod"), {}),
    // Fields beyond the usual shape: keyed by their JSON, still told apart.
    { ...sel(byName("a"), {}), serviceAccounts: ["sa"] },
    { ...sel(byName("a"), {}), serviceAccounts: ["sb"] },
    { ...sel(byName("a"), {}), exceptServiceAccounts: ["sa"] },
    { ...sel(byName("a"), {}), excludeVirtualMachines: true },
    { ...sel(byName("a"), {}), cluster: "east" },
    { ...sel(byName("a"), {}), trustDomain: "td" },
    { ...sel(byName("a"), {}), ciliumCluster: { requirements: [], labels: selector({}) } },
  ];
  const keys = variants.map(selectorKey);
  assert.equal(new Set(keys).size, keys.length, keys.join("\n"));
  // Made again from scratch: the same keys (not the same objects, so not the cache).
  const again = variants.map((v) => selectorKey(structuredClone(v)));
  assert.deepEqual(again, keys);
  // A field left undefined is no field (as in JSON): the usual shape's key.
  assert.equal(selectorKey({ ...sel(byName("a"), {}), serviceAccounts: undefined }), keys[0]);
  // Shapes it does not know are keyed by their JSON.
  assert.equal(keys[21], JSON.stringify(variants[21]));
  assert.ok(!keys[0].startsWith("{"));
});
