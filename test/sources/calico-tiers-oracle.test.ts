// Random Calico inputs (a host endpoint, user tiers around kube-admin, default and kube-baseline, GlobalNetworkPolicies
// with Allow/Deny/Pass, AdminNetworkPolicies, a BaselineAdminNetworkPolicy, NetworkPolicies), read
// through the front end, answered by both engines and by an oracle written from felix's chain itself
// (rules/endpoints.go endpointIptablesChain): for each tier with a policy for the endpoint, "Start of
// tier" clears the pass mark; each policy "If a previous policy didn't set the "pass" mark, jump to the
// policy", "Return if policy accepted"; "End of tier ... Drop if no policies passed packet" (a tier of
// defaultAction Deny); then the profiles (a pod's kns.NAMESPACE allows). Tiers by order (none: last)
// then name (calc/policy_sorter.go TierLess), policies by order (none: last) then name (PolKVLess).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { load } from "../helpers.js";
import { withPolicies, E2E_PODS } from "../fixtures/e2e-model.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { assertAgree, podsAnd } from "../engine/fast-agree.js";
import type { Party } from "../../src/engine/match.js";

type Action = "Allow" | "Deny" | "Pass";
interface Pod { ns: string; pod: string; ip: string; hep?: true }
/** A rule's peer: any, namespace y, pod b (any namespace), the addresses of namespace z. */
type From = "any" | "ns-y" | "pod-b" | "net-z";
interface R { action: Action; from: From; port80: boolean }
interface Gnp { tier: string; order?: number; selector: "pod == 'a'" | "ns == 'x'" | "all()" | "pod in {'a', 'b'}" | "has(hep)"; rules: R[] }
interface Anp { priority: number; all: boolean; rules: R[] }
interface Case { tiers: { order?: number; pass: boolean }[]; gnps: Gnp[]; anps: Anp[]; banp?: R[]; np?: { onlyA: boolean; fromZ: boolean } }

const PODS: Pod[] = E2E_PODS.map((n) => {
  const [ns, pod] = n.split("/");
  return { ns, pod, ip: `10.0.${["x", "y", "z"].indexOf(ns) + 1}.${["a", "b", "c"].indexOf(pod) + 1}` };
});
/** Names before and after kube-admin, default and kube-baseline: ties of order go by name (TierLess). */
const TIER_NAMES = ["a0", "t1", "z2"];
const TIER_ORDERS = [undefined, 100, 1000, 1500, 1_000_000, 2_000_000, 10_000_000, 20_000_000];

const ruleArb = (actions: Action[], froms: From[]) => fc.record({ action: fc.constantFrom(...actions), from: fc.constantFrom(...froms), port80: fc.boolean() });
const caseArb: fc.Arbitrary<Case> = fc.record({
  tiers: fc.array(fc.record({ order: fc.constantFrom(...TIER_ORDERS), pass: fc.boolean() }), { maxLength: 3 }),
  gnps: fc.array(fc.record({
    tier: fc.constantFrom(...TIER_NAMES, "default"),
    order: fc.constantFrom(undefined, 1, 5, 2000),
    selector: fc.constantFrom("pod == 'a'" as const, "ns == 'x'" as const, "all()" as const, "pod in {'a', 'b'}" as const, "has(hep)" as const),
    rules: fc.array(ruleArb(["Allow", "Deny", "Pass"], ["any", "ns-y", "pod-b", "net-z"]), { minLength: 1, maxLength: 3 }),
  }), { maxLength: 6 }),
  // (Equal priorities: felix orders them by name, PolKVLess, as --same-priority=name does.)
  anps: fc.array(fc.record({ priority: fc.constantFrom(1, 10, 60), all: fc.boolean(), rules: fc.array(ruleArb(["Allow", "Deny", "Pass"], ["any", "ns-y", "pod-b"]), { minLength: 1, maxLength: 2 }) }), { maxLength: 3 }),
  banp: fc.option(fc.array(ruleArb(["Allow", "Deny"], ["any", "ns-y", "pod-b"]), { minLength: 1, maxLength: 2 }), { nil: undefined }),
  np: fc.option(fc.record({ onlyA: fc.boolean(), fromZ: fc.boolean() }), { nil: undefined }),
}).map((c) => ({ ...c, gnps: c.gnps.filter((g) => g.tier === "default" || TIER_NAMES.indexOf(g.tier) < c.tiers.length) }));

// ---- The input, as YAML ----

const calicoRule = (r: R) => `{action: ${r.action}${r.port80 ? ", protocol: TCP" : ""}, source: {${({ any: "", "ns-y": "namespaceSelector: \"ns == 'y'\"", "pod-b": "selector: \"pod == 'b'\"", "net-z": "nets: ['10.0.3.0/24']" })[r.from]}}${r.port80 ? ", destination: {ports: [80]}" : ""}}`;
const adminPeer = (f: From) => ({ any: "{namespaces: {}}", "ns-y": "{namespaces: {matchLabels: {ns: 'y'}}}", "pod-b": "{pods: {namespaceSelector: {}, podSelector: {matchLabels: {pod: b}}}}", "net-z": "" })[f];
const adminRule = (r: R, i: number) => `  - {name: r${i}, action: ${r.action}, from: [${adminPeer(r.from)}]${r.port80 ? ", ports: [{portNumber: {protocol: TCP, port: 80}}]" : ""}}`;

function yaml(c: Case): string {
  const docs: string[] = [];
  c.tiers.forEach((t, i) => docs.push(`apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: ${TIER_NAMES[i]}}\nspec: {${t.order !== undefined ? `order: ${t.order}, ` : ""}defaultAction: ${t.pass ? "Pass" : "Deny"}}`));
  c.gnps.forEach((g, i) => docs.push(`apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${g.tier === "default" ? "" : `${g.tier}.`}g${i}}\nspec:\n  tier: ${g.tier}\n${g.order !== undefined ? `  order: ${g.order}\n` : ""}  selector: "${g.selector}"\n  ingress:\n${g.rules.map((r) => `  - ${calicoRule(r)}`).join("\n")}`));
  c.anps.forEach((a, i) => docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: anp${i}}\nspec:\n  priority: ${a.priority}\n  subject: {namespaces: {${a.all ? "" : "matchLabels: {ns: x}"}}}\n  ingress:\n${a.rules.map(adminRule).join("\n")}`));
  if (c.banp) docs.push(`apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress:\n${c.banp.map(adminRule).join("\n")}`);
  if (c.np) docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {${c.np.onlyA ? "matchLabels: {pod: a}" : ""}}\n  ingress: [${c.np.fromZ ? "{from: [{namespaceSelector: {matchLabels: {ns: z}}}]}" : ""}]`);
  return withPolicies(HEP_YAML, ...docs);
}

// ---- The oracle: felix's endpoint chain for dst's ingress ----

const fromMatches = (f: From, src: Pod) => f === "any" || (f === "ns-y" && src.ns === "y") || (f === "pod-b" && src.pod === "b") || (f === "net-z" && src.ns === "z");
const ruleMatches = (r: R, src: Pod, port: number) => fromMatches(r.from, src) && (!r.port80 || port === 80);
const selects = (s: Gnp["selector"], p: Pod) => s === "all()" || (s === "has(hep)" && p.hep === true) || (s === "pod == 'a'" && p.pod === "a") || (s === "ns == 'x'" && p.ns === "x") || (s === "pod in {'a', 'b'}" && (p.pod === "a" || p.pod === "b"));
const byOrder = <T extends { order?: number; name: string }>(xs: T[]) => xs.sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

function felix(c: Case, src: Pod, dst: Pod, port: number): boolean {
  const tiers = byOrder([
    ...c.tiers.map((t, i) => ({ name: TIER_NAMES[i], order: t.order, pass: t.pass })),
    { name: "kube-admin", order: 1000, pass: true }, { name: "default", order: 1_000_000, pass: false }, { name: "kube-baseline", order: 10_000_000, pass: true },
  ]);
  for (const t of tiers) {
    let policies: { order?: number; name: string; rules: R[] }[];
    if (t.name === "kube-admin") policies = c.anps.flatMap((a, i) => (!dst.hep && (a.all || dst.ns === "x") ? [{ order: a.priority, name: `anp${i}`, rules: a.rules }] : []));
    else if (t.name === "kube-baseline") policies = c.banp && !dst.hep ? [{ name: "default", rules: c.banp }] : [];
    else {
      policies = c.gnps.flatMap((g, i) => (g.tier === t.name && selects(g.selector, dst) ? [{ order: g.order, name: `${g.tier === "default" ? "" : `${g.tier}.`}g${i}/`, rules: g.rules }] : []));
      if (t.name === "default" && c.np && dst.ns === "x" && (!c.np.onlyA || dst.pod === "a")) {
        policies.push({ order: 1000, name: "np/x", rules: c.np.fromZ ? [{ action: "Allow", from: "net-z", port80: false }] : [] });
      }
    }
    if (!policies.length) continue;
    let passed = false;
    for (const p of byOrder(policies)) {
      const r = p.rules.find((x) => ruleMatches(x, src, port));
      if (!r) continue;
      if (r.action === "Pass") { passed = true; break; }
      return r.action === "Allow";
    }
    if (!passed && !t.pass) return false;
  }
  // The profiles: a pod's kns.NAMESPACE allows; the host endpoint has none ("Drop if no profiles matched").
  return !dst.hep;
}

/** A host endpoint (no Node: a Workload of its address), no profiles. */
const HEP: Pod = { ns: "", pod: "hep", ip: "172.18.0.2", hep: true };
const HEP_YAML = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: hep, labels: {hep: 'yes'}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [172.18.0.2]}";

test("Calico tiers, Pass, end of tier, ANPs between tiers: both engines answer as felix's endpoint chain", () => {
  fc.assert(fc.property(caseArb, (c) => {
    const loaded = load({ "t.yaml": yaml(c) });
    assert.deepEqual(loaded.diagnostics.errors.map((e) => e.message), []);
    const engine = new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
    const party = (p: Pod): Party => ({ endpoint: loaded.inventory.endpoints.find((e) => p.hep ? e.name === "hep" : e.kind === "pod" && e.name === p.pod && e.namespace === p.ns)! });
    for (const src of PODS) for (const dst of [...PODS, HEP]) {
      if (src === dst) continue;
      for (const port of [80, 81]) {
        const v = engine.evaluate({ src: party(src), dst: party(dst), protocol: "TCP", port });
        assert.equal(v.allowed, felix(c, src, dst, port), `${src.ns}/${src.pod} -> ${dst.ns}/${dst.pod}:${port}\n${yaml(c).split("\n---\n").slice(13).join("\n---\n")}`);
      }
    }
    assertAgree(new FastConnectivity(engine), [...podsAnd(loaded.inventory, "10.0.3.1", "192.0.2.9"), party(HEP)], "fast engine vs plain evaluator");
  }), { numRuns: Number(process.env.RUNS ?? 200), seed: Number(process.env.SEED ?? 20261208) });
});

// The common API's Admin-tier TrafficPolicies (priorities 0 and up) sit where the Admin APIs do, in
// Calico's kube-admin place: a Calico tier's rank equal to a TrafficPolicy's priority tied across
// groups, and the engines broke the tie differently: explain (priorityHit) left the TrafficPolicy
// out after tier ta's Pass and allowed, list (rows.ts groupedHits) denied.
test("a TrafficPolicy of the Admin tier never ties with a Calico tier's policy: both engines deny", () => {
  const yaml = withPolicies(
    "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: ta}\nspec: {order: 100}",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ta.pass}\nspec:\n  tier: ta\n  selector: pod == 'a'\n  ingress: [{action: Pass}]",
    "apiVersion: junction.dev/v1alpha1\nkind: TrafficPolicy\nmetadata: {name: zz-deny-y}\nspec:\n  tier: Admin\n  priority: 0\n  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n  - {action: Deny, from: [{namespaces: {matchLabels: {ns: 'y'}}}]}");
  const loaded = load({ "t.yaml": yaml });
  assert.deepEqual(loaded.diagnostics.errors, []);
  const engine = new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
  const pod = (ns: string, name: string): Party => ({ endpoint: loaded.inventory.endpoints.find((e) => e.namespace === ns && e.name === name)! });
  const v = engine.evaluate({ src: pod("y", "b"), dst: pod("x", "a"), protocol: "TCP", port: 80 });
  assert.equal(v.allowed, false, "passed by tier ta, denied by the TrafficPolicy");
  assert.deepEqual(v.warnings, [], "no tie of priorities to warn about");
  const ps = loaded.inventory.policies.filter((p) => p.tier === "admin" && p.kind !== "Calico felix");
  for (const p of ps) assert.deepEqual(ps.filter((q) => q.priority === p.priority).map((q) => q.tierGroup ?? "-"), ps.filter((q) => q.priority === p.priority).map(() => p.tierGroup ?? "-"), "one priority, one group");
  assertAgree(new FastConnectivity(engine), podsAnd(loaded.inventory), "fast engine vs plain evaluator");
});
