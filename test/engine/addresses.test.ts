// ipBlocks with thousands of `except` entries and rules with hundreds of ipBlocks: the fast engine
// (indexed address sets, pairs that skip range-to-range) answers exactly as the plain reference.
// NetworkPolicy ipBlock: "except is a slice of CIDRs that should not be included within an IPBlock"
// (networking.k8s.io/v1); every address in cidr and in no except entry matches.

import { test } from "node:test";
import assert from "node:assert/strict";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { connectionList } from "../../src/analyze/connlist.js";
import { renderConnlist } from "../../src/targets/connlist.js";
import { formatConns } from "../../src/model/ports.js";
import { parseAddress } from "../../src/model/ip.js";
import { addressCluster } from "../../bench/addresses.js";

test("thousands of excepts and hundreds of ipBlocks: fast and reference lists are identical (a smaller instance)", () => {
  const inv = addressCluster(400);
  const engine = new PolicyEngine(inv);
  const fast = new FastConnectivity(engine), ref = new PairwiseConnectivity(engine);
  const text = renderConnlist(connectionList(inv, fast), "txt");
  assert.equal(text, renderConnlist(connectionList(inv, ref), "txt"));
  // Egress of an isolated pod: to 0.0.0.0/0 except 11.0.0.0, 11.0.0.7, ...: the excepted addresses get nothing, their neighbours TCP 8080.
  const pod = inv.endpoints.find((e) => e.namespace === "a")!;
  const to = (a: string) => formatConns(fast.conns({ endpoint: pod }, { address: parseAddress(a)! }));
  assert.equal(to("11.0.0.7"), "No Connections");
  assert.equal(to("11.0.0.8"), "TCP 8080");
  assert.equal(to("11.0.0.6"), "TCP 8080");
  // Ingress from the /24 blocks, minus their own excepts.
  const from = (a: string) => formatConns(fast.conns({ address: parseAddress(a)! }, { endpoint: pod }));
  assert.equal(from("172.16.0.3"), "No Connections");
  assert.equal(from("172.16.0.4"), "TCP 8080");
  assert.equal(from("172.16.1.19"), "No Connections");
  assert.equal(from("172.17.0.1"), "No Connections");
  assert.match(text, /^a\/p1\[Pod\] => 11\.0\.0\.8-11\.0\.0\.13\[External\] : TCP 8080$/m);
});
