// The summary's JSON is written pair by pair (a summary of many pairs is never one string): the
// pieces must be exactly what rendering the whole document prints.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FlowSummary } from "../../src/analyze/flow-summary.js";
import type { Attribution, Side } from "../../src/analyze/attribution.js";
import type { FlowRecord } from "../../src/model/flowrecord.js";
import { summaryData, summaryJson } from "../../src/targets/flows.js";
import { renderJson } from "../../src/targets/data.js";

const side = (workload: string, match: Side["match"] = "exact"): Side => ({ address: "10.0.0.1", match, name: workload, workload, parties: [] });

test("summary JSON in pieces is the rendered document: no pairs, one, several with verdicts and ambiguity", () => {
  const s = new FlowSummary();
  assert.equal([...summaryJson(s)].join(""), renderJson(summaryData(s)));
  const rec = (dport: number, start?: number): FlowRecord => ({ line: 1, protocol: "TCP", src: "10.0.0.1", dst: "10.0.0.2", sport: 40000, dport, ...(start !== undefined ? { start, end: start + 1000 } : {}), action: "ACCEPT" }) as FlowRecord;
  const add = (a: Partial<Attribution> & Pick<Attribution, "record">) => s.add({ src: side("shop/web[Deployment]"), dst: side("shop/api[Deployment]"), ...a });
  add({ record: rec(80, Date.UTC(2026, 11, 5)) });
  assert.equal([...summaryJson(s)].join(""), renderJson(summaryData(s)));
  add({ record: rec(443), dst: side("db/pg[StatefulSet]", "ambiguous"), verdict: { verdict: "denied", by: "ingress isolated by NetworkPolicy db/x" } });
  add({ record: rec(53), src: side("{unknown}", "none"), verdict: { verdict: "allowed", by: "no policy applies" } });
  const pieces = [...summaryJson(s)];
  assert.ok(pieces.length >= 4, "one piece per pair");
  assert.equal(pieces.join(""), renderJson(summaryData(s)));
});
