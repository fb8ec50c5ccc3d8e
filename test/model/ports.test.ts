import { test } from "node:test";
import assert from "node:assert/strict";
import { ALL_CONNS, formatConns, NO_CONNS, unionConns } from "../../src/model/ports.js";
import { matches, selector } from "../../src/model/selector.js";

test("connections print in np-guard's notation", () => {
  assert.equal(formatConns(ALL_CONNS), "All Connections");
  assert.equal(formatConns(NO_CONNS), "No Connections");
  const c = unionConns({ TCP: [[8080, 8080], [80, 80]], UDP: [[53, 53]], SCTP: [] }, { TCP: [[81, 90]], UDP: [], SCTP: [[1, 65535]] });
  assert.equal(formatConns(c), "SCTP 1-65535,TCP 80-90,8080,UDP 53");
});

test("selectors: matchLabels and the four operators, ANDed", () => {
  const s = selector({ app: "web" }, [{ key: "tier", operator: "In", values: ["a", "b"] }, { key: "legacy", operator: "DoesNotExist", values: [] },
    { key: "env", operator: "NotIn", values: ["dev"] }, { key: "team", operator: "Exists", values: [] }]);
  assert.ok(matches(s, { app: "web", tier: "a", team: "x" }));
  assert.ok(matches(s, { app: "web", tier: "b", team: "x", env: "prod" }));
  assert.ok(!matches(s, { app: "web", tier: "a", team: "x", env: "dev" }));
  assert.ok(!matches(s, { app: "web", tier: "a", team: "x", legacy: "1" }));
  assert.ok(!matches(s, { app: "web", tier: "c", team: "x" }));
  assert.ok(!matches(s, { app: "web", tier: "a" }));
  assert.ok(matches(selector(), {}), "the empty selector selects everything");
});
