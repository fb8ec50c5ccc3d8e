// The CNIs an input shows (model/cni.ts inputCnis): the first policy, else DaemonSet, of each family names it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { inputCnis } from "../../src/model/cni.js";
import { emptyInventory } from "../../src/model/inventory.js";
import type { Policy } from "../../src/model/policy.js";
import { EVERYTHING } from "../../src/model/selector.js";

const policy = (kind: string, name: string): Policy => ({ kind, name, namespace: "ns", tier: "namespace", priority: 1, subject: { namespaces: { kind: "name", name: "ns" }, labels: EVERYTHING, kinds: ["pod"] } });
const daemonSet = (name: string, kind = "DaemonSet") => ({ kind, namespace: "kube-system", name, pods: [] });

test("each family is named by its first policy, else its first DaemonSet (calico-node or canal; cilium), whatever the order of the others", () => {
  const inv = emptyInventory();
  inv.policies.push(policy("NetworkPolicy", "np"), policy("Calico NetworkPolicy", "c1"), policy("CiliumNetworkPolicy", "x1"), policy("Calico GlobalNetworkPolicy", "c2"), policy("CiliumClusterwideNetworkPolicy", "x2"));
  inv.controllers.push(daemonSet("cilium", "Deployment"), daemonSet("canal"), daemonSet("cilium"), daemonSet("calico-node"));
  assert.deepEqual(inputCnis(inv), [{ family: "cilium", why: "Cilium (CiliumNetworkPolicy ns/x1)" }, { family: "calico", why: "Calico (Calico NetworkPolicy ns/c1)" }]);
  inv.policies.length = 1;
  assert.deepEqual(inputCnis(inv), [{ family: "cilium", why: "Cilium (DaemonSet kube-system/cilium)" }, { family: "calico", why: "Calico (DaemonSet kube-system/canal)" }]);
  inv.controllers.splice(1, 1);
  assert.deepEqual(inputCnis(inv), [{ family: "cilium", why: "Cilium (DaemonSet kube-system/cilium)" }, { family: "calico", why: "Calico (DaemonSet kube-system/calico-node)" }]);
  inv.controllers.length = 1;
  assert.deepEqual(inputCnis(inv), []);
});
