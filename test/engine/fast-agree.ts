// The fast engine's differential check: every pair of parties answered as the plain evaluator
// (PairwiseConnectivity, the verdict engine per pair and port interval) answers it over the same
// inventory. Shared by the fast engine's update tests.

import assert from "node:assert/strict";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import type { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import type { Party } from "../../src/engine/match.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import type { Inventory } from "../../src/model/inventory.js";
import { parseAddress } from "../../src/model/ip.js";
import { formatConns } from "../../src/model/ports.js";
import type { Policy } from "../../src/model/policy.js";
import { load } from "../helpers.js";

/** Every pod of the inventory, then each address. */
export function podsAnd(inv: Inventory, ...addresses: string[]): Party[] {
  return [...inv.endpoints.filter((e) => e.kind === "pod").map((endpoint) => ({ endpoint })), ...addresses.map((a) => ({ address: parseAddress(a)! }))];
}

/**
 * Asserts that fast and the plain evaluator over `inv` (default: fast's own) give the same connections
 * for every ordered pair of parties, and the same group pairs (groupConns, what list answers from)
 * with each party a group of its own.
 */
export function assertAgree(fast: FastConnectivity, parties: readonly Party[], step: string, inv: Inventory = fast.inventory): void {
  const ref = new PairwiseConnectivity(new PolicyEngine(inv, fast.engine.options));
  for (const s of parties) for (const d of parties) {
    assert.equal(formatConns(fast.conns(s, d)), formatConns(ref.conns(s, d)), `${step}: ${s.endpoint?.name ?? "ip"} -> ${d.endpoint?.name ?? "ip"}`);
  }
  assertGroupsAgree(fast, parties.map((p) => [p]), step, ref);
}

/** Asserts that fast's group pairs (fast/pairs.ts, the class pairs spread over the groups) are the plain evaluator's (`ref`, default: over fast's inventory). */
export function assertGroupsAgree(fast: FastConnectivity, groups: readonly (readonly Party[])[], step: string,
  ref = new PairwiseConnectivity(new PolicyEngine(fast.inventory, fast.engine.options))): void {
  const name = (g: number) => groups[g].map((p) => p.endpoint?.name ?? "ip").join("+");
  const rows = (c: { groupConns: PairwiseConnectivity["groupConns"] }) => c.groupConns(groups, () => true).map((g) => `${name(g.src)} -> ${name(g.dst)}: ${formatConns(g.conns)}`).sort();
  assert.deepEqual(rows(fast), rows(ref), `${step}: group pairs`);
}

/** The one policy a YAML text holds (no diagnostics allowed). */
export function onePolicy(yaml: string): Policy {
  const loaded = load({ "p.yaml": yaml });
  assert.deepEqual(loaded.diagnostics.errors, []);
  return loaded.inventory.policies[0];
}

/** Namespaces a and b, with the labels given as the inside of a YAML flow map (e.g. "env: prod"). */
export function twoNamespaces(aLabels: string, bLabels: string): string {
  return ["a", "b"].map((name, i) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name}, labels: { ${[aLabels, bLabels][i]} } }`).join("\n---\n");
}
