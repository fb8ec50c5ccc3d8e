// The order the tiers walk policies in (verdict.ts comparePolicies): priority, then the name
// `namespace/name` as a string compares, which the comparison reads without making the names.

import { test } from "node:test";
import assert from "node:assert/strict";
import { comparePolicies } from "../../src/engine/verdict.js";
import { policyName, type Policy } from "../../src/model/policy.js";

const policy = (namespace: string | undefined, name: string, priority = 0): Policy =>
  ({ kind: "NetworkPolicy", name, namespace, tier: "namespace", priority, subject: { kinds: ["pod"], namespaces: { kind: "any" }, labels: { all: true } } } as unknown as Policy);

const sign = (x: number) => (x < 0 ? -1 : x > 0 ? 1 : 0);

test("policies of one priority walk in the string order of namespace/name, whatever the namespace lengths", () => {
  // '-' (0x2d) sorts before '/' (0x2f) and '.' between them: "a-x/c" < "a.b/a" < "a/b" < "a/b-c" < "a0/a",
  // which comparing namespaces first would not give; without a namespace the name alone counts ("a" < "a/b").
  const names: [string | undefined, string][] = [
    ["a", "b"], ["a-x", "c"], ["a.b", "a"], ["a", "b-c"], ["a0", "a"], [undefined, "a"], [undefined, "a-b"], [undefined, "b"],
    ["", "a/b"], ["ns", "z"], ["ns", "a"], ["n", "s-z"], ["nsa", ""], ["é", "a"], ["z", "\u{1F600}"], ["z", "\uFFFF"],
  ];
  const policies = names.map(([ns, n]) => policy(ns, n));
  for (const a of policies) for (const b of policies) {
    const an = policyName(a), bn = policyName(b);
    assert.equal(sign(comparePolicies(a, b)), an < bn ? -1 : an > bn ? 1 : 0, `${an} against ${bn}`);
  }
  assert.deepEqual([...policies].sort(comparePolicies).map(policyName),
    ["a", "a-b", "a-x/c", "a.b/a", "a/b", "a/b", "a/b-c", "a0/a", "b", "n/s-z", "ns/a", "ns/z", "nsa/", "z/\u{1F600}", "z/\uFFFF", "é/a"]);
});

test("a lower priority walks first whatever the names", () => {
  assert.ok(comparePolicies(policy("z", "z", 1), policy("a", "a", 2)) < 0);
  assert.ok(comparePolicies(policy("a", "a", 2), policy("z", "z", 1)) > 0);
});
