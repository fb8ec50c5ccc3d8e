// The flow verdicts with the connectivity engine's class index (one verdict per class pair and
// port) against the verdict engine asked for every pair of parties, on random clusters: the
// parties are made as attribution makes them (endpoints rebuilt from the history, with the
// record's address; two alike per party, as replicas), and every judgement (word and deciding rules) must be the same.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { FlowJudge } from "../../src/analyze/flow-verdict.js";
import type { PartyRef } from "../../src/analyze/attribution.js";
import type { FlowRecord } from "../../src/model/flowrecord.js";
import { formatAddress } from "../../src/model/ip.js";
import { clusterArb } from "../fixtures/random-cluster.js";

const recordArb = fc.record({ protocol: fc.constantFrom("TCP", "UDP"), dport: fc.constantFrom(53, 80, 443, 8080, 8443, 40000, 40001, 65535), sport: fc.constantFrom(80, 8080, 40000), reply: fc.constantFrom(undefined, true, false) });

test("flow verdicts per class pair are the verdict engine's per pair of parties, rules included", () => {
  let saved = 0;
  fc.assert(fc.property(clusterArb, fc.array(recordArb, { minLength: 4, maxLength: 4 }), ({ inventory, options, parties }, records) => {
    // As attribution makes them: an endpoint per history holder (not the inventory's), with the record's address.
    const refs: PartyRef[] = parties.flatMap((p, i) => {
      const address = p.address ?? p.endpoint?.addresses[0];
      if (!address) return [];
      // Two holders alike (replicas of one workload, on other nodes): one class, but traffic to itself, and with its own node, is its own.
      return ["a", "b"].map((replica) => {
        const endpoint = p.endpoint && p.endpoint.kind !== "node" ? { ...p.endpoint, id: -1, name: `${p.endpoint.name}-${replica}`, ...(replica === "b" && p.endpoint.nodeName ? { nodeName: p.endpoint.nodeName === "n1" ? "n2" : "n1" } : {}) } : p.endpoint;
        return { key: `${i}${replica} ${formatAddress(address)}`, party: { ...(endpoint ? { endpoint } : {}), address } };
      });
    });
    const plain = new FlowJudge(new PolicyEngine(inventory, options), false), fast = new FlowJudge(new PolicyEngine(inventory, options));
    for (const s of refs) for (const d of refs) for (const r of records) {
      const rec = { ...r, src: "", dst: "" } as FlowRecord;
      assert.deepEqual(fast.judge(rec, [s], [d]), plain.judge(rec, [s], [d]), `${s.key} -> ${d.key} ${r.protocol}/${r.dport}`);
    }
    saved += plain.evaluations - fast.evaluations;
    assert.ok(fast.evaluations <= plain.evaluations);
  }), { numRuns: 150, seed: 1410 });
  assert.ok(saved > 0, "the class index spared verdicts");
});
