import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSelector, toDnf, SelectorError } from "../src/sources/calico/selector.js";
import { formatSelector, selector } from "../src/model/selector.js";
import { cli, engineFor, load, tempFiles, verdict } from "./helpers.js";
import { withPolicies } from "./fixtures/e2e-model.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { assertAgree, podsAnd } from "./engine/fast-agree.js";
import { formatConns } from "../src/model/ports.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import { parseAddress } from "../src/model/ip.js";
import { K8sContext } from "../src/targets/k8s/context.js";

const dnf = (s: string) => toDnf(parseSelector(s)).map((t) => formatSelector(selector({}, t.reqs)));

test("Calico selectors: operators, precedence, negation and DNF", () => {
  assert.deepEqual(dnf("app == 'web' && has(tier)"), ["app=web,tier"]);
  assert.deepEqual(dnf("a == 'x' || b != \"y\" && !has(c)"), ["a=x", "b!=y,!c"]);
  assert.deepEqual(dnf("!(a == 'x' || b in {'1', '2'})"), ["a!=x,b notin (1,2)"]);
  assert.deepEqual(dnf("(a == 'x' || a == 'y') && k not in {'v'}"), ["a=x,k!=v", "a=y,k!=v"]);
  assert.deepEqual(dnf("all()"), ["{}"]);
  assert.deepEqual(dnf("!all()"), []);
  assert.deepEqual(dnf("k in {}"), []);
  assert.deepEqual(dnf("projectcalico.org/name == 'ns-1'"), ["projectcalico.org/name=ns-1"]);
});

test("Calico selectors: errors say what and where", () => {
  const err = (s: string) => { try { parseSelector(s); return ""; } catch (e) { assert.ok(e instanceof SelectorError); return e.message; } };
  assert.equal(err("app == web"), `expected a quoted string, found "web" at column 8 of "app == web"`);
  assert.equal(err("app == 'web' &&"), `expected a selector term before the end at column 16 of "app == 'web' &&"`);
  assert.match(err("has(tier"), /expected "\)" before the end/);
  assert.match(err("(a == 'x'"), /expected "\)"/);
  const l = load({ "p.yaml": "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  selector: app = 'x'\n" });
  const d = l.diagnostics.errors[0];
  assert.equal(`${d.line} ${d.field?.join(".")}`, "5 spec.selector");
  assert.match(d.message, /expected ==, !=, in, not in, contains, starts with or ends with after "app", found "="/);
});

const calico = (kind: string, name: string, spec: string, namespace?: string) =>
  `apiVersion: projectcalico.org/v3\nkind: ${kind}\nmetadata: {name: ${name}${namespace ? `, namespace: '${namespace}'` : ""}}\nspec:\n${spec}`;

test("order decides within the default tier; Kubernetes NetworkPolicies sit at order 1000", () => {
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{}]";
  const e = engineFor(withPolicies(np,
    calico("NetworkPolicy", "deny-b", "  order: 500\n  selector: all()\n  ingress:\n  - {action: Deny, source: {selector: pod == 'b'}}", "x"),
    calico("NetworkPolicy", "late-deny-c", "  order: 2000\n  ingress:\n  - {action: Deny, source: {selector: pod == 'c'}}", "x"),
  ));
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "order 500 before the NetworkPolicy");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow", "order 2000 after the NetworkPolicy's allow");
});

test("tiers: Pass goes to the next tier; a tier that selects but does not match denies", () => {
  const e = engineFor(withPolicies(
    calico("Tier", "security", "  order: 100"),
    calico("GlobalNetworkPolicy", "security.gate", "  tier: security\n  selector: pod in {'a', 'b'}\n  ingress:\n  - {action: Pass, source: {namespaceSelector: ns == 'x'}}\n  - {action: Allow, protocol: TCP, source: {selector: pod == 'c'}, destination: {ports: ['80:81']}}"),
  ));
  assert.equal(verdict(e, "x/c", "y/a", 80), "allow", "passed, no default-tier policy: the profile allows");
  assert.equal(verdict(e, "y/c", "y/a", 81), "allow");
  assert.equal(verdict(e, "y/c", "y/a", 82), "deny", "end of tier");
  assert.equal(verdict(e, "y/b", "y/c", 82), "allow", "c is not selected by the tier");
});

test("explain: after a Pass with no later tier's policy, the pod's profile kns.NAMESPACE decides, not the Kubernetes default", async () => {
  const files = tempFiles({ "c.yaml": withPolicies(
    calico("Tier", "security", "  order: 100"),
    calico("GlobalNetworkPolicy", "security.gate", "  tier: security\n  selector: pod == 'a'\n  ingress:\n  - {action: Pass}"),
  ) });
  const r = await cli(["explain", "-f", `${files.dir}/c.yaml`, "--from", "x/c", "--to", "y/a", "--port", "80"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /passed by Calico GlobalNetworkPolicy security\.gate, ingress rule 0/);
  assert.match(r.out, /allowed: after the Pass no later tier's policy selects y\/a for ingress, so its Calico profiles decide: kns\.y, the profile Calico makes of namespace y, allows every connection/);
  assert.doesNotMatch(r.out.split("ingress at")[1], /Kubernetes default/, "the ingress is not the Kubernetes default");
  assert.match(r.out, /egress at x\/c[\s\S]*no policy selects x\/c for egress \(Kubernetes default\)/, "no Calico policy for the egress: unchanged");
});

test("nets/notNets, notPorts, notSelector and NetworkSets", () => {
  const e = engineFor(withPolicies(
    calico("GlobalNetworkSet", "partners", "  nets: [203.0.113.0/24]").replace("name: partners", "name: partners, labels: {kind: partner}"),
    calico("NetworkPolicy", "p", [
      "  selector: pod == 'a'", "  types: [Egress]", "  egress:",
      "  - {action: Allow, protocol: TCP, destination: {notNets: [10.0.0.0/8], notPorts: [22]}}",
      "  - {action: Allow, protocol: UDP, destination: {selector: kind == 'partner', namespaceSelector: all()}}",
      "  - {action: Allow, destination: {selector: has(pod), notSelector: pod == 'c'}}",
    ].join("\n"), "x"),
  ));
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 443), "allow");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 22), "deny");
  assert.equal(verdict(e, "x/a", "ip:10.1.1.1", 443), "deny");
  assert.equal(verdict(e, "x/a", "ip:203.0.113.5", 53, "UDP"), "deny", "a namespaced NetworkSet selector does not see GlobalNetworkSets... unless namespaceSelector: global()");
  assert.equal(verdict(e, "x/a", "x/b", 80), "allow");
  assert.equal(verdict(e, "x/a", "x/c", 80), "deny");
});

test("HostEndpoints become Workloads, denied by default; GlobalNetworkPolicy selects them", () => {
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h1, labels: {role: db}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.0.2.9]}";
  const open = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h2}\nspec: {node: n2, expectedIPs: [192.0.2.8], profiles: [projectcalico-default-allow]}";
  const e = engineFor(withPolicies(hep, open,
    calico("GlobalNetworkPolicy", "db", "  selector: role == 'db'\n  ingress:\n  - {action: Allow, protocol: TCP, source: {selector: pod == 'a'}, destination: {ports: [5432]}}"),
  ));
  assert.equal(verdict(e, "x/a", "workload:h1", 5432), "allow");
  assert.equal(verdict(e, "x/b", "workload:h1", 5432), "deny");
  assert.equal(verdict(e, "workload:h1", "x/b", 80), "deny", "no egress policy: the host endpoint default denies");
  assert.equal(verdict(e, "x/b", "workload:h2", 22), "allow", "default-allow profile");
});

// Calico accepts a HostEndpoint with interfaceName alone; felix polices that interface (rules/static.go,
// the host endpoint dispatch by interface name), whose addresses are the host's, and its selectors' IP
// sets hold a host endpoint's expectedIPs only (calc MemberCalculator: ExpectedIPv4Addrs/ExpectedIPv6Addrs).
test("a HostEndpoint without expectedIPs polices its node (spec.node), whose addresses no selector of its labels holds; without that node it is left out, a warning", () => {
  const node = (name: string, ip: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`;
  const hep = (ips: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {role: host}}\nspec: {node: n1, interfaceName: eth0${ips}}`;
  const policies = [
    calico("GlobalNetworkPolicy", "host-ssh", "  selector: role == 'host'\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [22]}}]\n  egress: [{action: Allow}]"),
    calico("GlobalNetworkPolicy", "from-hosts", "  selector: pod == 'a'\n  ingress: [{action: Allow, source: {selector: role == 'host'}}]"),
  ];
  const yaml = (ips: string) => withPolicies(node("n1", "192.0.2.10"), hep(ips), ...policies);
  const l = load({ "c.yaml": yaml("") });
  assert.deepEqual(l.diagnostics.errors, [], "Calico accepts it: no error");
  assert.match(l.diagnostics.items.filter((w) => w.severity === "warning").map((w) => w.message).join("\n"), /host endpoint n1-eth0 has no expectedIPs: interface eth0's addresses are read as node n1's \(192\.0\.2\.10\); its rule selectors hold none of them/);
  const e = engineFor(yaml(""));
  assert.equal(verdict(e, "x/b", "node:n1", 22), "allow", "its policy polices the node");
  assert.equal(verdict(e, "x/b", "node:n1", 80), "deny");
  assert.equal(verdict(e, "node:n1", "x/a", 80), "deny", "role == 'host' holds no address of it");
  assert.equal(verdict(engineFor(yaml(", expectedIPs: [192.0.2.10]")), "node:n1", "x/a", 80), "allow", "with expectedIPs it does");
  const fast = new FastConnectivity(e);
  assertAgree(fast, podsAnd(fast.inventory, "192.0.2.10"), "interfaceName alone");
  // No Node n1 in the input: the addresses it polices are unknown.
  const alone = load({ "c.yaml": withPolicies(hep(""), ...policies) });
  assert.deepEqual(alone.diagnostics.errors, []);
  assert.match(alone.diagnostics.items.filter((w) => w.severity === "warning").map((w) => w.message).join("\n"), /host endpoint n1-eth0 has no expectedIPs: felix polices what crosses interface eth0 of node n1, which the input does not hold, so the addresses it polices are unknown/);
  assert.ok(!alone.inventory.endpoints.some((x) => x.name === "n1-eth0"), "left out");
});

test("Calico validation errors are precise", () => {
  const l = load({ "c.yaml": calico("NetworkPolicy", "p", "  tier: nope\n  ingress:\n  - action: Allow\n    destination: {ports: [80]}\n  - {action: Allow, protocol: TCP, source: {nets: [10.0.0.0/8], selector: a == 'b'}}\n  - {action: Reject}", "x") });
  const got = l.diagnostics.errors.map((d) => `${d.line} ${d.field?.join(".")}: ${d.message}`);
  for (const re of [/^8 spec\.ingress\.0\.destination\.ports: rules with numeric port or port range must set protocol to TCP or UDP or SCTP/, /^9 spec\.ingress\.1\.source: nets together with selectors/, /^10 spec\.ingress\.2\.action: "Reject" is not one of Allow, Deny, Pass, Log/, /^5 spec\.tier: tier "nope" is not defined in the input/]) {
    assert.ok(got.some((g) => re.test(g)), `${re}\n${got.join("\n")}`);
  }
});

// libcalico-go updateprocessors/rules.go (getEndpointSelector) compares each selector field with "":
// an empty string is no selector, and a namespaced policy's rule is confined to its namespace only
// "when the selector, NotSelector or NamespaceSelector is provided".
test("rule selectors: an empty string is no selector, so a Deny rule with selector: \"\" denies every source", () => {
  const e = engineFor(withPolicies(
    calico("NetworkPolicy", "p", "  order: 10\n  selector: pod == 'a'\n  ingress:\n  - {action: Deny, source: {selector: '', notSelector: '', namespaceSelector: ''}}\n  - {action: Allow}", "x"),
  ));
  for (const from of ["x/b", "y/c", "ip:203.0.113.9"]) assert.equal(verdict(e, from, "x/a", 80), "deny", from);
  assert.equal(verdict(e, "x/b", "x/c", 80), "allow", "x/c is not selected");
});

// parseServiceAccounts returns "" for serviceAccounts: {} (no names, no selector): no criterion.
test("rule serviceAccounts without names or selector is no criterion", () => {
  const e = engineFor(withPolicies(
    calico("NetworkPolicy", "p", "  order: 10\n  selector: pod == 'a'\n  ingress:\n  - {action: Deny, source: {serviceAccounts: {names: []}}}\n  - {action: Allow}", "x"),
  ));
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny");
  assert.equal(verdict(e, "ip:203.0.113.9", "x/a", 80), "deny");
});

// getEndpointSelector: a GlobalNetworkPolicy (no namespace) rule with neither selector nor
// namespaceSelector keeps an empty selector; felix then matches the notSelector alone, as "the
// address is not in the IP set of what notSelector selects": external addresses and nodes match.
test("a GlobalNetworkPolicy rule with only a notSelector matches every address but the excluded endpoints and sets", () => {
  const yaml = withPolicies(
    calico("GlobalNetworkPolicy", "p", "  order: 10\n  selector: pod == 'a'\n  ingress:\n  - {action: Deny, source: {notSelector: \"pod == 'b' || trusted == 'yes'\"}}\n  - {action: Allow}"),
    calico("GlobalNetworkSet", "partners", "  nets: [198.51.100.0/24]").replace("name: partners", "name: partners, labels: {trusted: 'yes'}"),
    calico("HostEndpoint", "h1", "  node: n1\n  expectedIPs: [192.0.2.10]\n  profiles: [projectcalico-default-allow]").replace("name: h1", "name: h1, labels: {trusted: 'yes'}"),
  );
  const e = engineFor(yaml);
  assert.equal(verdict(e, "ip:203.0.113.9", "x/a", 80), "deny", "an external address is not excluded");
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny");
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow", "pod b is excluded in every namespace");
  assert.equal(verdict(e, "ip:198.51.100.7", "x/a", 80), "allow", "an excluded GlobalNetworkSet's nets");
  assert.equal(verdict(e, "ip:192.0.2.10", "x/a", 80), "allow", "an excluded host endpoint's address");
  const fast = new FastConnectivity(engineFor(yaml));
  assertAgree(fast, podsAnd(fast.inventory, "203.0.113.9", "198.51.100.7", "192.0.2.10"), "notSelector only");
});

// Calico evaluates AdminNetworkPolicies in its kube-admin tier (order 1000) and
// BaselineAdminNetworkPolicies in kube-baseline (order 10,000,000): Calico tiers are ordered around them.
test("Calico tiers are ordered around AdminNetworkPolicies (kube-admin, 1000) and the BaselineAdminNetworkPolicy (kube-baseline)", () => {
  const anp = (name: string, priority: number, action: string, ns: string) =>
    `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n  priority: ${priority}\n  subject: {namespaces: {matchLabels: {ns: x}}}\n  ingress:\n  - {action: ${action}, from: [{namespaces: {matchLabels: {ns: '${ns}'}}}]}`;
  const gnp = (name: string, tier: string, action: string, ns: string) =>
    calico("GlobalNetworkPolicy", name, `  tier: ${tier}\n  selector: pod == 'a'\n  ingress:\n  - {action: ${action}, source: {namespaceSelector: "ns == '${ns}'"}}\n  - {action: Pass}`);
  const e = engineFor(withPolicies(
    calico("Tier", "early", "  order: 100"), calico("Tier", "late", "  order: 2000"), calico("Tier", "last", "  order: 20000000"),
    gnp("early.allow-y", "early", "Allow", "y"), anp("a-deny-y", 0, "Deny", "y"),
    gnp("late.deny-z", "late", "Deny", "z"), anp("a-allow-z", 500, "Allow", "z"),
    `apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\nspec:\n  subject: {namespaces: {}}\n  ingress:\n  - {action: Allow, from: [{namespaces: {matchLabels: {ns: x}}}]}`,
    gnp("last.deny-x", "last", "Deny", "x"),
  ));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow", "tier early (100) before the ANPs");
  assert.equal(verdict(e, "z/b", "x/a", 80), "allow", "the ANPs before tier late (2000)");
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow", "the BANP before tier last (20,000,000)");
});

test("policies of one tier with the same order sort by name, also when one selects nothing", () => {
  const e = engineFor(withPolicies(
    calico("NetworkPolicy", "b-deny", "  order: 10\n  selector: pod == 'a'\n  ingress:\n  - {action: Deny}", "x"),
    calico("NetworkPolicy", "a-none", "  order: 10\n  selector: pod in {}\n  ingress:\n  - {action: Allow}", "x"),
  ));
  assert.equal(verdict(e, "y/b", "x/a", 80), "deny");
});

// libcalico-go selector/tokenizer: only spaces and tabs are skipped; "has(", "all(" and "global("
// are single tokens (so "has (x)" is a label named has, then an error); a set may end with a comma.
test("Calico selector tokens as Calico's tokenizer reads them", () => {
  assert.deepEqual(dnf("pod in {'a', 'b',}"), ["pod in (a,b)"]);
  assert.deepEqual(dnf("has( tier ) && all == 'x'"), ["all=x,tier"], "all without ( is a label");
  assert.deepEqual(dnf(" \t"), ["{}"]);
  assert.throws(() => parseSelector("has (tier)"), /expected ==, != , in or not in after "has"|after "has", found "\("/);
  assert.throws(() => parseSelector("a == 'x' &&\nb == 'y'"), /unexpected character "\\n"/);
});

// libcalico-go globalnetworkpolicyprocessor.go: the v1 selector is `(selector) && <namespaceSelector
// with pcns. keys>`, then strings.Replace(selector, "all()", "has(projectcalico.org/namespace)");
// global() is not replaced there, and parser GlobalNode.Evaluate returns true.
test("GlobalNetworkPolicy namespaceSelector global() selects host endpoints too (it selected pods only); all() in the selector then means pods", () => {
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h1, labels: {role: db}}\nspec: {node: n1, expectedIPs: [192.0.2.9], profiles: [projectcalico-default-allow]}";
  const gnp = (spec: string) => calico("GlobalNetworkPolicy", "g", `${spec}\n  ingress:\n  - {action: Deny, source: {selector: pod == 'b'}}\n  - {action: Allow}`);
  const global = engineFor(withPolicies(hep, gnp("  namespaceSelector: global()")));
  assert.equal(verdict(global, "x/b", "workload:h1", 5432), "deny", "the host endpoint is selected");
  assert.equal(verdict(global, "x/b", "y/a", 80), "deny", "and so are pods");
  const labelled = engineFor(withPolicies(hep, gnp("  selector: role == 'db'\n  namespaceSelector: global()")));
  assert.equal(verdict(labelled, "x/b", "workload:h1", 5432), "deny");
  const allPods = engineFor(withPolicies(hep, gnp("  selector: all()\n  namespaceSelector: global()")));
  assert.equal(verdict(allPods, "x/b", "workload:h1", 5432), "allow", "all() became has(projectcalico.org/namespace): host endpoints are not selected");
  assert.equal(verdict(allPods, "x/b", "y/a", 80), "deny");
  const named = engineFor(withPolicies(hep, gnp("  namespaceSelector: ns == 'y'")));
  assert.equal(verdict(named, "x/b", "workload:h1", 5432), "allow", "a namespace term selects pods only");
  assert.equal(verdict(named, "x/b", "y/a", 80), "deny");
  assert.equal(verdict(named, "x/b", "z/a", 80), "allow");
});

// felix matches a notSelector as "not in the IP set of what it selects": the host endpoints and
// network sets it picks leave the rule's addresses as they come and go, also through the
// incremental engine that serve and live use (FastConnectivity.upsertEndpoint/removeEndpoint/upsertPolicy).
test("a GlobalNetworkPolicy notSelector's host endpoints are recomputed by the incremental engine as Workloads come and go, and for a policy read on its own", () => {
  const hep = (name: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${name}, labels: {role: trusted}}\nspec: {node: n1, expectedIPs: [${ip}], profiles: [projectcalico-default-allow]}`;
  const gnp = calico("GlobalNetworkPolicy", "g", "  selector: pod == 'a'\n  egress:\n  - {action: Deny, destination: {notSelector: role == 'trusted'}}\n  - {action: Allow}");
  const fresh = (...docs: string[]) => new FastConnectivity(engineFor(withPolicies(...docs)));
  const conns = (f: FastConnectivity, ip: string) => formatConns(f.conns({ endpoint: f.inventory.endpoints.find((e) => e.namespace === "x" && e.name === "a")! }, { address: parseAddress(ip)! }));
  const live = fresh(gnp, hep("h1", "192.0.2.10"));
  assert.equal(conns(live, "192.0.2.20"), "No Connections", "not yet a trusted host endpoint: denied");
  const h2 = load({ "h.yaml": hep("h2", "192.0.2.20") }).inventory.endpoints[0];
  live.upsertEndpoint({ ...h2, id: undefined } as never);
  const both = fresh(gnp, hep("h1", "192.0.2.10"), hep("h2", "192.0.2.20"));
  assert.equal(conns(both, "192.0.2.20"), "All Connections");
  assert.equal(conns(live, "192.0.2.20"), "All Connections", "the new host endpoint's address left the Deny (it was still denied)");
  live.removeEndpoint(live.inventory.endpoints.find((e) => e.name === "h1")!);
  assert.equal(conns(live, "192.0.2.10"), "No Connections", "the removed host endpoint's address is denied again");
  assert.equal(conns(fresh(gnp, hep("h2", "192.0.2.20")), "192.0.2.10"), "No Connections");
  const later = fresh(hep("h1", "192.0.2.10"));
  later.upsertPolicy(load({ "g.yaml": gnp }).inventory.policies[0]);
  assert.equal(conns(later, "192.0.2.10"), "All Connections", "a policy read alone gets its exclusions from the inventory");
  assert.equal(conns(later, "192.0.2.30"), "No Connections");
});

// libcalico-go defaultPolicyTypesField: `if len(*types) == 0` the types are defaulted from the rules.
// The CRD refuses `types: []` (minItems 1); --lenient reads it as Calico's defaulting would.
test("types: [] is an error, and under --lenient defaulted from the rules like a missing types (it made the policy apply to nothing: its Deny denied nothing)", () => {
  const l = load({ "g.yaml": withPolicies(calico("GlobalNetworkPolicy", "g", "  selector: pod == 'a'\n  types: []\n  egress:\n  - {action: Deny, destination: {selector: pod == 'b'}}\n  - {action: Allow}")) });
  assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.types: must have at least 1 item/);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "x/b", 80), "deny");
  assert.equal(verdict(e, "x/a", "x/c", 80), "allow");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow", "Egress only");
});

// felix renders a rule into one table per IP family (rules/policy.go FilterRuleToIPVersion): a rule
// with ipVersion only into that family's, and a nets or notNets list only into the families it has
// CIDRs of (filterNets; a notNets catch-all drops the rule from its family). ipVersion was refused
// (read without it under --lenient: an Allow limited to IPv4 allowed IPv6 too), and a rule with
// only `notNets: [10.0.0.0/8]` matched every IPv6 address.
test("ipVersion and the families of nets/notNets limit a rule as felix renders it", () => {
  const pod = (name: string, labels: string, ips: string[]) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {${labels}}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {phase: Running, podIP: ${ips[0]}, podIPs: [${ips.map((ip) => `{ip: '${ip}'}`).join(", ")}]}`;
  const pods = [pod("a", "app: a", ["10.0.0.2", "fd00::2"]), pod("b", "app: b", ["10.0.0.3", "fd00::3"]), pod("v6", "app: b", ["fd00::6"])];
  const yaml = ["apiVersion: v1\nkind: Namespace\nmetadata: {name: x}", ...pods,
    calico("NetworkPolicy", "p", [
      "  selector: app == 'a'", "  types: [Ingress, Egress]",
      "  ingress:", "  - {action: Allow, ipVersion: 4, source: {selector: app == 'b'}}",
      "  egress:", "  - {action: Allow, ipVersion: 6, protocol: TCP, destination: {ports: [443]}}",
      "  - {action: Allow, protocol: UDP, destination: {notNets: [10.0.0.0/8]}}",
    ].join("\n"), "x")].join("\n---\n");
  const e = engineFor(yaml);
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow", "IPv4 (the pods' first family)");
  assert.equal(verdict(e, "ip:fd00::3", "x/a", 80), "deny", "b's IPv6 address: the rule is IPv4 only");
  assert.equal(verdict(e, "x/v6", "x/a", 80), "deny", "an IPv6-only pod selected by the rule");
  assert.equal(verdict(e, "x/a", "ip:2001:db8::1", 443), "allow");
  assert.equal(verdict(e, "x/a", "ip:192.0.2.1", 443), "deny", "ipVersion 6: no IPv4 address");
  assert.equal(verdict(e, "x/a", "ip:192.0.2.1", 53, "UDP"), "allow");
  assert.equal(verdict(e, "x/a", "ip:10.1.1.1", 53, "UDP"), "deny");
  assert.equal(verdict(e, "x/a", "ip:2001:db8::1", 53, "UDP"), "deny", "notNets of IPv4 only: felix renders no IPv6 rule");
  const fast = new FastConnectivity(e);
  assertAgree(fast, podsAnd(fast.inventory, "fd00::3", "2001:db8::1", "192.0.2.1", "10.1.1.1"), "ipVersion");

  // validator.go scanNets: a CIDR of another family than ipVersion, both families, a notNets catch-all.
  const l = load({ "c.yaml": calico("NetworkPolicy", "q", [
    "  ingress:",
    "  - {action: Allow, ipVersion: 6, source: {nets: [10.0.0.0/8]}}",
    "  - {action: Allow, source: {nets: [10.0.0.0/8, 'fd00::/8']}}",
    "  - {action: Deny, source: {notNets: [0.0.0.0/0]}}",
  ].join("\n"), "x") });
  const got = l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`);
  for (const re of [/^spec\.ingress\.0\.source\.nets: rule IP version doesn't match CIDR version/, /^spec\.ingress\.1\.source\.nets: rule contains both IPv4 and IPv6 CIDRs/, /^spec\.ingress\.2\.source\.notNets: 0\.0\.0\.0\/0 in notNets matches no traffic/]) {
    assert.ok(got.some((g) => re.test(g)), `${re}\n${got.join("\n")}`);
  }
  assert.equal(got.length, 3, got.join("\n"));
});

// Calico selects and enforces on the endpoints of its datastore: workload endpoints (pods) and host
// endpoints; network sets are its labelled addresses. Junction's other Workloads and Networks (the
// common API's VMs and hosts, a Cluster's pod CIDRs) are no Calico objects: felix has no labels for
// them. A GlobalNetworkPolicy selected them by label (it isolated a VM Calico does not enforce on), and
// its rule selectors matched them (an Allow from `role == 'trusted'` let a common-API VM so labelled
// in, a notSelector excluded it from a Deny).
test("Calico selectors pick pods, host endpoints and Calico network sets, not the common API's Workloads and Networks", () => {
  const common = (kind: string, name: string, labels: string, spec: string) => `apiVersion: junction.dev/v1alpha1\nkind: ${kind}\nmetadata: {name: ${name}, labels: {${labels}}}\nspec: ${spec}`;
  const e = engineFor(withPolicies(
    common("Workload", "vm-db", "role: db", "{addresses: [192.0.2.30]}"),
    common("Workload", "vm-trusted", "role: trusted", "{addresses: [192.0.2.40]}"),
    common("Network", "partners", "kind: partner", "{cidrs: [203.0.113.0/24]}"),
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h1, labels: {role: db}}\nspec: {node: n1, expectedIPs: [192.0.2.9], profiles: [projectcalico-default-allow]}",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h2, labels: {role: trusted}}\nspec: {node: n1, expectedIPs: [192.0.2.10], profiles: [projectcalico-default-allow]}",
    calico("GlobalNetworkSet", "calico-partners", "  nets: [198.51.100.0/24]").replace("name: calico-partners", "name: calico-partners, labels: {kind: partner}"),
    calico("GlobalNetworkPolicy", "db", "  selector: role == 'db'\n  ingress:\n  - {action: Allow, source: {selector: pod == 'a'}}"),
    calico("GlobalNetworkPolicy", "a-in", "  selector: pod == 'a'\n  ingress:\n  - {action: Allow, source: {selector: role == 'trusted' || kind == 'partner'}}"),
    calico("GlobalNetworkPolicy", "b-out", "  selector: pod == 'b'\n  egress:\n  - {action: Deny, destination: {notSelector: role == 'trusted'}}\n  - {action: Allow}"),
  ));
  assert.equal(verdict(e, "x/c", "workload:h1", 5432), "deny", "the host endpoint is selected");
  assert.equal(verdict(e, "x/c", "workload:vm-db", 5432), "allow", "a common-API Workload is not a Calico endpoint: not selected");
  assert.equal(verdict(e, "workload:h2", "x/a", 80), "allow");
  assert.equal(verdict(e, "workload:vm-trusted", "x/a", 80), "deny", "no Calico labels for a common-API Workload");
  assert.equal(verdict(e, "ip:198.51.100.7", "x/a", 80), "allow", "a GlobalNetworkSet");
  assert.equal(verdict(e, "ip:203.0.113.7", "x/a", 80), "deny", "a common-API Network is not a Calico network set");
  assert.equal(verdict(e, "x/b", "workload:h2", 80), "allow", "excluded by the notSelector");
  assert.equal(verdict(e, "x/b", "workload:vm-trusted", 80), "deny", "not excluded: felix does not know its labels");
  const fast = new FastConnectivity(e);
  assertAgree(fast, [...podsAnd(fast.inventory, "198.51.100.7", "203.0.113.7"), ...fast.inventory.endpoints.filter((x) => x.kind === "workload").map((endpoint) => ({ endpoint }))], "calico kinds");
});

// One Calico policy lowers to one model policy per alternative of its selectors, all of its name. The
// incremental engine that serve and live use (FastConnectivity) replaced only the first of a name on
// upsert and removed only the first on removal: the others kept the old rules.
test("the incremental engine replaces and removes every model policy of a Calico policy, not the first of its name", () => {
  const gnp = (rule: string) => calico("GlobalNetworkPolicy", "g", `  selector: pod == 'a' || pod == 'b'\n  egress:\n  - ${rule}`);
  const before = gnp("{action: Deny, destination: {selector: pod == 'c'}}"), after = gnp("{action: Allow}");
  const fresh = (...docs: string[]) => new FastConnectivity(engineFor(withPolicies(...docs)));
  const conns = (f: FastConnectivity, from: string, to: string) => {
    const pod = (name: string) => ({ endpoint: f.inventory.endpoints.find((e) => e.namespace === "x" && e.name === name)! });
    return formatConns(f.conns(pod(from), pod(to)));
  };
  const live = fresh(before);
  const next = load({ "g.yaml": after }).inventory.policies;
  assert.equal(next.length, 4, "one model policy per alternative, for pods and for host endpoints");
  assert.equal(conns(live, "b", "c"), "No Connections");
  live.upsertPolicies(next);
  assert.equal(live.inventory.policies.filter((p) => p.name === "g").length, 4);
  for (const from of ["a", "b"]) assert.equal(conns(live, from, "c"), conns(fresh(after), from, "c"), `x/${from} -> x/c after the upsert`);
  assertAgree(live, podsAnd(live.inventory), "upserted");
  const again = fresh(before);
  again.removePolicy(next[0]);
  assert.equal(again.inventory.policies.filter((p) => p.name === "g").length, 0, "both removed");
  assert.equal(conns(again, "b", "c"), "All Connections");
  assertAgree(again, podsAnd(again.inventory), "removed");
});

// numorstring.PortFromString and validator.go validatePort/validatePortName: 0 is no port ("port number
// must be between 1 and 65535"; it was read as matching nothing, and "0:80" as 1-80), and a port name
// is validated as Kubernetes validates one (IsValidPortName). The tokenizer reads "notin" as "not in"
// (cutMultiWordPrefixCheckBreak skips spaces and tabs between the words, none included).
test("Calico ports as numorstring and the validator read them; `notin` is `not in`", () => {
  const l = load({ "c.yaml": calico("NetworkPolicy", "p", "  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [0, '0:80', a-very-long-port-name, 'a--b', 81, '82:83', http]}", "x") });
  const got = l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`);
  for (const i of [0, 1, 2, 3]) assert.ok(got.some((g) => g.startsWith(`spec.ingress.0.destination.ports.${i}: `) && /is not a port \(a number 1-65535/.test(g)), `${i}\n${got.join("\n")}`);
  assert.equal(got.length, 4, got.join("\n"));
  assert.deepEqual(dnf("app notin {'a'}"), ["app!=a"]);
  assert.deepEqual(dnf("app notin{'a','b'} && x\tnot\tin {'c'}"), ["app notin (a,b),x!=c"]);
});

// A pod's workload endpoint carries three labels more than the pod (libcalico-go
// conversion/workload_endpoint_default.go): projectcalico.org/namespace, projectcalico.org/orchestrator
// = k8s and projectcalico.org/serviceaccount; a namespace's profile carries projectcalico.org/name
// (conversion.go NamespaceToProfile). Junction's pods had none of them, so the common GlobalNetworkPolicy
// idiom `selector: projectcalico.org/namespace == 'x'` selected nothing (its Deny denied nothing), and
// a rule selector or namespaceSelector naming them matched nothing.
test("Calico's implicit labels: projectcalico.org/namespace, orchestrator and serviceaccount on pods, projectcalico.org/name on namespaces", () => {
  const e = engineFor(withPolicies(
    calico("GlobalNetworkPolicy", "deny-y", "  order: 1\n  selector: projectcalico.org/namespace == 'y' && projectcalico.org/orchestrator == 'k8s'\n  ingress:\n  - {action: Deny, source: {selector: projectcalico.org/namespace == 'z'}}\n  - {action: Allow, source: {namespaceSelector: projectcalico.org/name == 'x'}}\n  - {action: Deny}"),
    calico("NetworkPolicy", "sa", "  order: 1\n  selector: pod == 'a'\n  ingress:\n  - {action: Allow, source: {selector: projectcalico.org/serviceaccount == 'default'}}\n  - {action: Deny}", "z"),
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h1}\nspec: {node: n1, expectedIPs: [192.0.2.9], profiles: [projectcalico-default-allow]}",
    calico("GlobalNetworkPolicy", "not-pods", "  order: 2\n  selector: \"!has(projectcalico.org/namespace)\"\n  ingress:\n  - {action: Deny}"),
  ));
  assert.equal(verdict(e, "z/a", "y/b", 80), "deny", "the namespace label selects y's pods; the rule's names z's");
  assert.equal(verdict(e, "x/a", "y/b", 80), "allow", "projectcalico.org/name is the namespace's name");
  assert.equal(verdict(e, "x/a", "x/b", 80), "allow", "x is not selected");
  assert.equal(verdict(e, "z/b", "z/a", 80), "allow", "every pod runs as a service account (default)");
  assert.equal(verdict(e, "x/b", "z/a", 80), "deny", "the namespaced rule stays in z");
  assert.equal(verdict(e, "x/b", "workload:h1", 80), "deny", "host endpoints have no namespace label (80: 22 is a felix failsafe port)");
  assert.equal(verdict(e, "x/b", "z/b", 80), "allow", "pods have one");
  const sa = load({ "c.yaml": calico("NetworkPolicy", "p", "  ingress:\n  - {action: Allow, source: {selector: projectcalico.org/serviceaccount starts with 'x'}}", "x") });
  assert.match(sa.diagnostics.errors.map((d) => d.message).join("\n"), /projectcalico\.org\/serviceaccount with contains, starts with or ends with/);
});

// libcalico-go selector tokenizer (AppendTokens): after a label, "contains", or "starts"/"ends", spaces
// and tabs (or none), then "with" (TokContains, TokStartsWith, TokEndsWith), each followed by a string
// (parser.go parseOperation); ast.go LabelContainsValueNode/LabelStartsWithValueNode/LabelEndsWithValueNode
// Evaluate: the label is present and strings.Contains/HasPrefix/HasSuffix; an absent label never matches,
// so the negation holds for it. They were errors ("matches label values by substring").
test("Calico selectors: contains, starts with, ends with, as libcalico-go's tokenizer and evaluator", () => {
  assert.deepEqual(dnf("app contains 'eb'"), ['app contains "eb"']);
  assert.deepEqual(dnf("app starts with 'we' && tier ends  with\t\"nd\""), ['app starts with "we",tier ends with "nd"']);
  assert.deepEqual(dnf("app startswith 'we' || app endswith 'b'"), ['app starts with "we"', 'app ends with "b"']);
  assert.deepEqual(dnf("!(app contains 'x' || has(y))"), ['!(app contains "x"),!y']);
  const err = (s: string) => { try { parseSelector(s); return ""; } catch (e) { assert.ok(e instanceof SelectorError); return e.message; } };
  assert.match(err("app starts 'we'"), /expected "with", found "'we'"/);
  assert.match(err("app contains web"), /expected a quoted string, found "web"/);
  assert.match(err("app ends with"), /expected a quoted string/);
  const pods = ["web-1", "web-2", "api-1"].map((n) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: x, labels: {app: ${n}${n === "web-2" ? ", tier: web-front" : ""}}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.${n === "web-1" ? 1 : n === "web-2" ? 2 : 3}}`);
  const yaml = [...pods,
    calico("NetworkPolicy", "web", "  selector: app starts with 'web-'\n  ingress:\n  - {action: Allow, source: {selector: app ends with '-1'}}\n  - {action: Allow, source: {selector: \"tier contains 'fro'\"}}", "x"),
    calico("NetworkPolicy", "api", "  selector: app contains 'pi'\n  ingress:\n  - {action: Allow, source: {selector: \"!(tier contains 'front')\"}}", "x"),
  ].join("\n---\n");
  const e = engineFor(yaml);
  assert.equal(verdict(e, "x/api-1", "x/web-1", 80), "allow", "api-1 ends with -1");
  assert.equal(verdict(e, "x/web-2", "x/web-1", 80), "allow", "web-2's tier contains fro");
  assert.equal(verdict(e, "x/web-1", "x/web-2", 80), "allow");
  assert.equal(verdict(e, "x/web-2", "x/api-1", 80), "deny", "api-1 is selected (contains pi); web-2's tier contains front");
  assert.equal(verdict(e, "x/web-1", "x/api-1", 80), "allow", "web-1 has no tier: the negation holds for an absent label");
  const fast = new FastConnectivity(e);
  assertAgree(fast, podsAnd(fast.inventory), "substring operators");
});

// An endpoint's service account as a workload endpoint label (workload_endpoint_default.go): with != and
// not in, every pod running as another account (pods always have one), and the host endpoints and network
// sets, which have no such label (it was an error: "every service account but some cannot be expressed").
test("Calico selectors: projectcalico.org/serviceaccount with != and not in", () => {
  const pod = (n: string, sa: string, ip: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${n}, namespace: x, labels: {app: ${n}}}\nspec: {serviceAccountName: ${sa}, containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.${ip}}`;
  const yaml = [pod("a", "robot", 1), pod("b", "human", 2), pod("c", "default", 3), pod("d", "guest", 4),
    calico("NetworkPolicy", "to-a", "  selector: app == 'a'\n  ingress:\n  - {action: Allow, source: {selector: projectcalico.org/serviceaccount != 'human'}}", "x"),
    calico("NetworkPolicy", "to-b", "  selector: app == 'b'\n  ingress:\n  - {action: Allow, source: {selector: \"projectcalico.org/serviceaccount not in {'robot', 'default'}\", serviceAccounts: {names: [robot, guest]}}}", "x"),
  ].join("\n---\n");
  const e = engineFor(yaml);
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "human is excluded");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow", "default is another account");
  assert.equal(verdict(e, "x/d", "x/b", 80), "allow", "guest: named, not excluded");
  assert.equal(verdict(e, "x/a", "x/b", 80), "deny", "robot: named, but excluded");
  assert.equal(verdict(e, "x/c", "x/b", 80), "deny", "default: excluded, and not named");
  const fast = new FastConnectivity(e);
  assertAgree(fast, podsAnd(fast.inventory), "service accounts excluded");
});

test("substring selectors and excluded service accounts are refused by the back ends that cannot say them, by name", async () => {
  const { dir, cleanup } = tempFiles({ "p.yaml": [
    calico("NetworkPolicy", "web", "  selector: app starts with 'web-'\n  ingress:\n  - {action: Allow}", "x"),
    calico("NetworkPolicy", "sa", "  selector: app == 'a'\n  ingress:\n  - {action: Allow, source: {selector: projectcalico.org/serviceaccount != 'x'}}", "x"),
  ].join("\n---\n") });
  try {
    const common = await cli(["convert", "policy", "-f", dir, "--to", "common"]);
    assert.match(common.err, /Calico NetworkPolicy x\/web: app starts with "web-": Kubernetes label selectors match whole values/);
    assert.match(common.err, /Calico NetworkPolicy x\/sa, ingress rule 0: the common API's serviceAccounts name the accounts selected/);
    const k8s = await cli(["convert", "policy", "-f", dir, "--to", "k8s"]);
    assert.match(k8s.err, /x\/web: app starts with "web-"/);
    assert.match(k8s.err, /x\/sa.*Kubernetes policies cannot select by service account/);
    const cilium = await cli(["compile", "-f", dir, "--target", "cilium", "-o", "yaml"]);
    assert.match(cilium.err, /app starts with "web-"/);
  } finally { cleanup(); }
});

// felix matches a rule's selector and notSelector as IP sets (calc/rule_convert.go ruleToParsedRule:
// SrcIPSetIDs and NotSrcIPSetIDs): the address must be in the selector's set and not in the
// notSelector's. A network set the selector picks was matched by its whole CIDR, the notSelector
// only narrowing the labels of what the selector picks: a pod the notSelector picks, inside that
// CIDR, was allowed (a wrong allow), as were the nets of a network set the notSelector picks.
test("selector + notSelector: the notSelector's pods, host endpoints and network sets leave a selected network set's CIDR, and a selected pod inside a network set it picks", () => {
  const pod = (name: string, ip: string, labels: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {${labels}}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: ${ip}}`;
  const yaml = [
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}",
    pod("a", "10.1.0.1", "app: web"), pod("db", "10.1.0.2", "app: db"), pod("c", "10.2.0.3", "app: c"), pod("d", "10.3.0.4", "app: c"),
    calico("GlobalNetworkSet", "corp", "  nets: [10.0.0.0/8]").replace("name: corp", "name: corp, labels: {corp: 'yes'}"),
    calico("GlobalNetworkSet", "lab", "  nets: [10.5.0.0/16]").replace("name: lab", "name: lab, labels: {app: db}"),
    calico("GlobalNetworkSet", "quarantine", "  nets: [10.2.0.0/16]").replace("name: quarantine", "name: quarantine, labels: {quarantine: 'yes'}"),
    calico("NetworkPolicy", "web", "  selector: app == 'web'\n  ingress:\n  - {action: Allow, protocol: TCP, source: {selector: \"corp == 'yes'\", notSelector: \"app == 'db'\", namespaceSelector: global()}}\n  - {action: Allow, protocol: UDP, source: {selector: \"app == 'c'\", notSelector: \"quarantine == 'yes'\"}}\n  - {action: Deny}", "x"),
  ].join("\n---\n");
  const e = engineFor(yaml);
  assert.equal(verdict(e, "ip:10.9.9.9", "x/a", 80), "allow", "in the corp set, in no set of the notSelector");
  assert.equal(verdict(e, "ip:10.1.0.2", "x/a", 80), "deny", "db's address: in the notSelector's set (it was allowed)");
  assert.equal(verdict(e, "x/db", "x/a", 80), "deny", "db is no network set member of corp for felix either");
  assert.equal(verdict(e, "ip:10.5.1.1", "x/a", 80), "deny", "inside the lab network set the notSelector picks (it was allowed)");
  assert.equal(verdict(e, "ip:10.6.0.1", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/c", "x/a", 53, "UDP"), "deny", "c is picked by the selector, but its address is in the quarantine set (it was allowed)");
  assert.equal(verdict(e, "x/d", "x/a", 53, "UDP"), "allow");
  const fast = new FastConnectivity(engineFor(yaml));
  assertAgree(fast, podsAnd(fast.inventory, "10.9.9.9", "10.1.0.2", "10.5.1.1", "10.6.0.1", "10.2.0.3"), "selector + notSelector");
  // The back ends say it: the network set's CIDR less the excluded addresses, or a typed refusal.
  const r = load({ "p.yaml": yaml });
  const ctx = new K8sContext(r.inventory);
  const peers = r.inventory.policies.flatMap((p) => (p.ingress ?? []).flatMap((x) => x.peers ?? []));
  const nets = peers.find((p) => p.kind === "networks" && p.notIn && formatSelector(p.selector).includes("corp"))!;
  assert.ok(nets && nets.kind === "networks");
  const cidrs = ctx.networkCidrs(nets).map((c) => c.text);
  assert.ok(cidrs.includes("10.1.0.3/32") && !cidrs.some((c) => c.startsWith("10.1.0.2/") || c.startsWith("10.5.")), cidrs.join(" "));
  const podPeer = peers.find((p) => p.kind === "endpoints" && p.notIn && formatSelector(p.selector.labels).includes("app=c"))!;
  assert.throws(() => ctx.checkNotIn(podPeer), /notSelector takes out x\/c/);
});

// updateprocessors/rules.go RuleAPIV3ToBackend: NotDstPorts is ar.Destination.NotPorts in either
// direction; felix renders it as a destination port match (rules/rule_defs.go NotDstPorts). In an
// ingress rule the destination is the policy's own endpoint, its ports the flow's destination ports.
test("an ingress rule's destination.notPorts excludes destination ports, as ports selects them", () => {
  const e = engineFor(withPolicies(calico("NetworkPolicy", "np", "  selector: all()\n  ingress:\n  - {action: Deny, protocol: TCP, destination: {notPorts: [80, '90:100']}}\n  - {action: Allow, protocol: TCP, destination: {ports: ['80:95'], notPorts: [81]}}", "x")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 81), "deny");
  assert.equal(verdict(e, "y/b", "x/a", 95), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 96), "deny", "not denied by the first rule (notPorts), outside the second's ports: the tier's end");
  assert.equal(verdict(e, "y/b", "x/a", 80, "UDP"), "deny");
  const l = load({ "p.yaml": withPolicies(calico("NetworkPolicy", "np", "  selector: all()\n  ingress: [{action: Allow, protocol: TCP, destination: {notPorts: [80]}}]", "x")) });
  assert.deepEqual(l.diagnostics.errors, []);
  assertAgree(new FastConnectivity(new PolicyEngine(l.inventory, DEFAULT_OPTIONS)), podsAnd(l.inventory), "ingress notPorts");
});

// felix calc/policy_sorter.go PolKVLess (v3.32 and later): policies of one order are taken by
// "name/namespace/kind", the name first; a Kubernetes NetworkPolicy's kind is KubernetesNetworkPolicy.
test("policies of one order are taken by name, then namespace, then kind, in every tier", () => {
  const tier = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: sec}\nspec: {order: 100}";
  for (const t of ["", "  tier: sec\n"]) {
    const e = engineFor(withPolicies(tier,
      calico("GlobalNetworkPolicy", "m", `${t}  order: 10\n  selector: all()\n  ingress: [{action: Deny, source: {selector: pod == 'b'}}, {action: Pass}]`),
      calico("NetworkPolicy", "a", `${t}  order: 10\n  selector: all()\n  ingress: [{action: Allow, source: {selector: pod == 'b'}}]`, "x"),
      calico("NetworkPolicy", "z", `${t}  order: 10\n  selector: all()\n  ingress: [{action: Allow, source: {selector: pod == 'b'}}]`, "y"),
    ));
    assert.equal(verdict(e, "x/b", "x/a", 80), "allow", `${t || "default tier"}: a/x/NetworkPolicy before m//GlobalNetworkPolicy`);
    assert.equal(verdict(e, "y/b", "y/a", 80), "deny", `${t || "default tier"}: m//GlobalNetworkPolicy before z/y/NetworkPolicy`);
  }
  const np = (name: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: c}}}]}]`;
  for (const [name, want] of [["aa", "allow"], ["zz", "deny"]] as const) {
    const yaml = withPolicies(np(name), calico("NetworkPolicy", "mm", "  order: 1000\n  selector: all()\n  ingress: [{action: Deny, source: {selector: pod == 'c'}}]", "x"));
    assert.equal(verdict(engineFor(yaml), "x/c", "x/a", 80), want, `NetworkPolicy ${name} against Calico's mm at order 1000`);
    const l = load({ "p.yaml": yaml });
    assertAgree(new FastConnectivity(new PolicyEngine(l.inventory, DEFAULT_OPTIONS)), podsAnd(l.inventory), `order ties ${name}`);
  }
});

// felix rules/static.go: a host endpoint's forward chains take only policies with ApplyOnForward, a
// workload endpoint's chains every policy selecting it: applyOnForward changes only host endpoints'.
test("applyOnForward: a note when the policy selects no host endpoint, a warning when it does (test/sources/calico-prednat.test.ts)", () => {
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {host: n1}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.168.0.1]}";
  const pods = load({ "p.yaml": withPolicies(hep, calico("GlobalNetworkPolicy", "fwd", "  selector: ns == 'x'\n  applyOnForward: true\n  ingress: [{action: Deny, source: {selector: pod == 'b'}}]")) });
  assert.deepEqual(pods.diagnostics.errors, []);
  assert.match(pods.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}: ${d.message}`).join("\n"), /info spec\.applyOnForward: applyOnForward changes only what host endpoints forward/);
  assert.equal(verdict(new PolicyEngine(pods.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "deny");
  const hosts = load({ "p.yaml": withPolicies(hep, calico("GlobalNetworkPolicy", "fwd", "  selector: has(host)\n  applyOnForward: true\n  ingress: [{action: Allow}]")) });
  assert.deepEqual(hosts.diagnostics.errors, []);
  assert.match(hosts.diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.applyOnForward: applyOnForward: felix also applies this policy to what host endpoint n1-eth0 forwards/);
});

// validator.go validateRule: without a protocol only named ports (AllPortsAreNamed); felix
// rule_scanner.go matches them on their own protocol (namedPortProto = ipsetmember.ProtocolAny).
test("named ports without a protocol match the named port on its own protocol; ports need a protocol that has them", () => {
  const l = load({ "p.yaml": withPolicies(calico("NetworkPolicy", "np", "  selector: all()\n  ingress: [{action: Allow, destination: {ports: [serve-80-udp, serve-81-tcp]}}]", "x")) });
  assert.deepEqual(l.diagnostics.errors, []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "y/b", "x/a", 80, "UDP"), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 80, "TCP"), "deny", "serve-80-udp is UDP");
  assert.equal(verdict(e, "y/b", "x/a", 81, "TCP"), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 81, "UDP"), "deny");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "named ports without protocol");
  // Protocol.SupportsPorts: 6, 17, 132, TCP, UDP, SCTP only.
  const icmp = load({ "p.yaml": withPolicies(calico("NetworkPolicy", "np", "  ingress: [{action: Allow, protocol: ICMP, destination: {ports: [80]}}]", "x")) });
  assert.match(icmp.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.ingress\.0\.destination\.ports: rules that specify ports must set protocol to TCP or UDP or SCTP, not "ICMP"/);
});

// felix calc/rule_scanner.go: DstService makes IPSetData{Service, ServiceIncludePorts: true} (the
// Service's endpoints' addresses on their ports), SrcService the same without ports.
test("services in rules: a destination is the Service's endpoints on their ports, a source their addresses", () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: 'y'}\nspec:\n  selector: {pod: a}\n  ports: [{port: 8080, targetPort: serve-81-tcp, protocol: TCP}]";
  const ext = "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: 'y'}\nspec:\n  ports: [{port: 443, protocol: TCP}]\n---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ext-1, namespace: 'y', labels: {kubernetes.io/service-name: ext}}\naddressType: IPv4\nports: [{port: 8443, protocol: TCP}]\nendpoints: [{addresses: [8.8.8.8]}]";
  const l = load({ "p.yaml": withPolicies(svc, ext,
    calico("NetworkPolicy", "eg", "  selector: pod == 'a'\n  egress:\n  - {action: Allow, destination: {services: {name: web, namespace: 'y'}}}\n  - {action: Allow, destination: {services: {name: ext, namespace: 'y'}}}", "x"),
    calico("NetworkPolicy", "in", "  selector: pod == 'b'\n  ingress: [{action: Allow, source: {services: {name: web}}}]", "y")) });
  assert.deepEqual(l.diagnostics.errors, []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "y/a", 81), "allow", "the endpoint on its target port");
  assert.equal(verdict(e, "x/a", "y/a", 80), "deny");
  assert.equal(verdict(e, "x/a", "y/b", 81), "deny", "not an endpoint");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 8443), "allow", "a Service without selector: its EndpointSlices");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 443), "deny");
  assert.equal(verdict(e, "y/a", "y/b", 80), "allow", "source: the endpoints' addresses, any port");
  assert.equal(verdict(e, "y/c", "y/b", 80), "deny");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory, "8.8.8.8"), "services in rules");
  const bad = load({ "p.yaml": withPolicies(calico("GlobalNetworkPolicy", "g", "  egress: [{action: Allow, destination: {services: {name: web}}}]")) });
  assert.match(bad.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.egress\.0\.destination\.services\.namespace: a GlobalNetworkPolicy's services need a namespace/);
});

// The API server stores a Service's `selector: {}` as none: the EndpointSlice controller writes no
// endpoints for it (endpointslice_controller.go syncService), so felix's Service IP set is its
// EndpointSlices' only: a rule naming it must not match every pod of the namespace (a wrong allowed).
test("services in rules: a Service with selector: {} is its EndpointSlices, not every pod of its namespace", () => {
  const svc = "apiVersion: v1\nkind: Service\nmetadata: {name: all, namespace: 'y'}\nspec:\n  selector: {}\n  ports: [{port: 8080, targetPort: 81, protocol: TCP}]";
  const l = load({ "p.yaml": withPolicies(svc, calico("NetworkPolicy", "eg", "  selector: pod == 'a'\n  egress: [{action: Allow, destination: {services: {name: all, namespace: 'y'}}}]", "x")) });
  assert.deepEqual(l.diagnostics.errors, []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "y/a", 81), "deny");
  assert.equal(verdict(e, "x/a", "y/b", 81), "deny");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "services with selector: {}");
});

// felix calc/event_sequencer.go tierInfoToProtoTierInfo: doNotTrack and preDNAT policies go to the
// untracked and pre-DNAT tiers, which only HostEndpointUpdate carries; a workload endpoint gets the
// normal tiers alone. Both were errors: a policy selecting only pods changes nothing (its tier's
// default deny neither); selecting a host endpoint of the input, answered apart (test/sources/calico-prednat.test.ts, calico-untracked.test.ts).
test("doNotTrack and preDNAT policies do nothing to pods; doNotTrack selecting a host endpoint is judged apart, with a warning", () => {
  const untracked = (which: string, selector: string) => calico("GlobalNetworkPolicy", `u-${which.toLowerCase()}`, `  selector: ${selector}\n  ${which}: true\n  applyOnForward: true\n  ingress: [{action: Deny}]`);
  const l = load({ "u.yaml": withPolicies(untracked("doNotTrack", "pod == 'a'"), untracked("preDNAT", "pod == 'b'")) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  assert.match(l.diagnostics.items.map((d) => d.message).join("\n"), /felix applies doNotTrack policies to host endpoints only/);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "y/c", "x/a", 80), "allow", "no deny, no isolation by the default tier");
  assert.equal(verdict(e, "y/c", "x/b", 80), "allow");
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h, labels: {host: 'true'}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [192.0.2.10]}";
  const h = load({ "h.yaml": withPolicies(hep, untracked("doNotTrack", "has(host)")) });
  assert.deepEqual(h.diagnostics.errors.map((d) => d.message), []);
  assert.match(h.diagnostics.items.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.doNotTrack: a doNotTrack policy: felix judges the host endpoints' traffic with it in the raw table, before connection tracking/);
  assert.deepEqual([...new Set(h.inventory.calicoUntracked?.filter((p) => p.kind !== "Calico Tier").map((p) => p.name))], ["u-donottrack"]);
});

// libcalico-go conversion.go ServiceAccountToProfile (a ServiceAccount's labels as `pcsa.KEY`, its
// name as pcsa.projectcalico.org/name, inherited by its pods) and the `pcsa.` prefix put on the
// keys of serviceAccountSelector (networkpolicyprocessor.go) and serviceAccounts.selector (rules.go
// parseServiceAccounts). Both were errors; a pod whose ServiceAccount is not in the input has none.
test("serviceAccountSelector and serviceAccounts.selector match the labels of the pod's ServiceAccount (the e2e pods run as default)", () => {
  const sa = (ns: string, labels: string) => `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: '${ns}', labels: {${labels}}}`;
  const l = load({ "s.yaml": withPolicies(sa("x", "team: blue"), sa("z", "team: red"),
    calico("NetworkPolicy", "blue", "  selector: all()\n  serviceAccountSelector: team == 'blue'\n  ingress: [{action: Allow, source: {selector: pod == 'b'}}]", "x"),
    calico("GlobalNetworkPolicy", "red", "  selector: pod == 'c'\n  ingress:\n  - {action: Deny, source: {serviceAccounts: {selector: team == 'red'}}}\n  - {action: Allow}"),
    calico("GlobalNetworkPolicy", "bare", "  selector: pod == 'b'\n  serviceAccountSelector: \"!has(team) || projectcalico.org/name == 'nobody'\"\n  ingress: [{action: Deny}]")) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny", "x's pods run as a blue account: isolated");
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "z/a", "y/c", 80), "deny", "z/a runs as a red account");
  assert.equal(verdict(e, "x/a", "y/c", 80), "allow");
  assert.equal(verdict(e, "y/a", "y/c", 80), "allow", "y's default account is not in the input: no labels");
  assert.equal(verdict(e, "x/a", "y/b", 80), "deny", "!has(team) holds for an account not in the input");
  assert.equal(verdict(e, "x/a", "z/b", 80), "allow", "z's account has team");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "service account selectors");
});

// The ServiceAccount admission plugin refuses a pod whose account does not exist, so its profile exists with
// pcsa.projectcalico.org/name its name even when the input lacks the ServiceAccount. A selector on the name
// selected nothing then (a wrong allow: the policy isolated nobody); on other labels, a warning.
test("serviceAccountSelector on projectcalico.org/name holds for a pod's account the input does not hold", () => {
  const l = load({ "s.yaml": withPolicies(
    calico("NetworkPolicy", "by-name", "  selector: all()\n  serviceAccountSelector: projectcalico.org/name == 'default'\n  ingress: [{action: Allow, source: {selector: pod == 'b'}}]", "x"),
    calico("GlobalNetworkPolicy", "by-label", "  selector: pod == 'c'\n  ingress:\n  - {action: Deny, source: {serviceAccounts: {selector: team == 'red'}}}\n  - {action: Allow}")) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny", "x's pods run as default: isolated");
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.match(l.diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /serviceAccounts\.selector: ServiceAccounts x\/default, y\/default, z\/default of the input's pods are not in the input/);
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "service account names");
});

// felix rules/static.go failsafeInChain/failsafeOutChain, jumped at the head of every host endpoint's chains
// (rules/endpoints.go HostEndpointToFilterChains), with config_params.go's defaults (tcp:22, udp:68, tcp:179,
// tcp:2379, tcp:2380, tcp:5473, tcp:6443, tcp:6666, tcp:6667 inbound; udp:53, udp:67 and the TCP ones but 22
// outbound). SSH and the API server port to a host endpoint were answered denied by its policy.
test("felix's failsafe ports stay open on a host endpoint whatever its policy; the environment and FelixConfiguration default set them", () => {
  const node = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}";
  const hep = "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {role: node}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [172.18.0.2]}";
  const deny = calico("GlobalNetworkPolicy", "lock", "  selector: role == 'node'\n  ingress: [{action: Deny}]\n  egress: [{action: Deny}]");
  const e = engineFor(withPolicies(node, hep, deny));
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 22), "allow");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 6443), "allow");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 68, "UDP"), "allow");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 8080), "deny");
  assert.equal(verdict(e, "node:n1", "ip:192.0.2.5", 53, "UDP"), "allow");
  assert.equal(verdict(e, "node:n1", "ip:192.0.2.5", 22), "deny", "22 is inbound only");
  const ds = (value: string) => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: calico-node}}\n  template:\n    metadata: {labels: {k8s-app: calico-node}}\n    spec: {containers: [{name: calico-node, image: calico/node, env: [{name: FELIX_FAILSAFEINBOUNDHOSTPORTS, value: '${value}'}]}]}`;
  const env = engineFor(withPolicies(node, hep, deny, ds("tcp:10.0.0.0/8:2222, udp:5000")));
  assert.equal(verdict(env, "ip:192.0.2.5", "node:n1", 22), "deny", "the environment replaces the defaults");
  assert.equal(verdict(env, "ip:10.9.9.9", "node:n1", 2222), "allow");
  assert.equal(verdict(env, "ip:192.0.2.5", "node:n1", 2222), "deny", "only from its net");
  assert.equal(verdict(env, "ip:192.0.2.5", "node:n1", 5000, "UDP"), "allow");
  assert.equal(verdict(engineFor(withPolicies(node, hep, deny, ds("none"))), "ip:192.0.2.5", "node:n1", 22), "deny", "none: no failsafe port");
  const fc = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec:\n  failsafeInboundHostPorts: [{protocol: TCP, port: 2022}]\n  failsafeOutboundHostPorts: []";
  const config = engineFor(withPolicies(node, hep, deny, fc));
  assert.equal(verdict(config, "ip:192.0.2.5", "node:n1", 2022), "allow");
  assert.equal(verdict(config, "ip:192.0.2.5", "node:n1", 22), "deny");
  assert.equal(verdict(config, "node:n1", "ip:192.0.2.5", 53, "UDP"), "deny", "[]: no outbound failsafe port");
  const bad = load({ "b.yaml": withPolicies(node, hep, ds("sctp:22")) });
  assert.match(bad.diagnostics.errors.map((d) => d.message).join("\n"), /"sctp:22": unknown protocol: sctp: felix refuses to start/);
  assertAgree(new FastConnectivity(e), [...podsAnd(e.inventory, "192.0.2.5"), { endpoint: e.inventory.endpoints.find((x) => x.kind === "node")! }], "failsafe");
});

// felix's config sources (config/config_params.go SourcesInDescendingOrder): EnvironmentVariable, then
// DatastorePerHost (FelixConfiguration node.NAME), then DatastoreGlobal (default). A per-node failsafe list
// was warned about and read as the cluster's: the node's own ports answered denied, the dropped ones allowed.
test("a FelixConfiguration node.NAME sets its node's failsafe ports; the environment overrides it", () => {
  const node = (n: string, ip: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`;
  const hep = (n: string, ip: string) => `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${n}-eth0, labels: {role: node}}\nspec: {node: ${n}, interfaceName: eth0, expectedIPs: [${ip}]}`;
  const deny = calico("GlobalNetworkPolicy", "lock", "  selector: role == 'node'\n  ingress: [{action: Deny}]\n  egress: [{action: Deny}]");
  const perNode = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: node.n1}\nspec:\n  failsafeInboundHostPorts: [{protocol: TCP, port: 2022}]";
  const docs = [node("n1", "172.18.0.2"), node("n2", "172.18.0.3"), hep("n1", "172.18.0.2"), hep("n2", "172.18.0.3"), deny, perNode];
  const l = load({ "f.yaml": withPolicies(...docs) });
  assert.deepEqual(l.diagnostics.items.filter((d) => d.code === "vendor-config").map((d) => d.message), [], "read, not warned");
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 2022), "allow", "n1's own list");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n1", 22), "deny", "n1's list replaces the default's");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n2", 22), "allow", "n2: felix's default");
  assert.equal(verdict(e, "ip:192.0.2.5", "node:n2", 2022), "deny");
  assert.equal(verdict(e, "node:n1", "ip:192.0.2.5", 53, "UDP"), "allow", "the outbound list n1 does not set: felix's default");
  const ds = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: calico-node, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: calico-node}}\n  template:\n    metadata: {labels: {k8s-app: calico-node}}\n    spec: {containers: [{name: calico-node, image: calico/node, env: [{name: FELIX_FAILSAFEINBOUNDHOSTPORTS, value: 'tcp:22'}]}]}";
  const env = engineFor(withPolicies(...docs, ds));
  assert.equal(verdict(env, "ip:192.0.2.5", "node:n1", 2022), "deny", "the environment wins over node.n1");
  assert.equal(verdict(env, "ip:192.0.2.5", "node:n1", 22), "allow");
  assertAgree(new FastConnectivity(e), [...podsAnd(e.inventory, "192.0.2.5"), ...e.inventory.endpoints.filter((x) => x.kind === "node").map((x) => ({ endpoint: x }))], "per-node failsafe");
});

// The pods a workload's template would create are made after the policies' deferred steps (builder.ts
// finish): their accounts were not counted, so a Deployment's pods running as an account the input
// does not hold were selected by no projectcalico.org/name selector (a wrong allow), and a namespace
// with no Namespace object and no pod read was not even looked at.
test("serviceAccountSelector on projectcalico.org/name holds for a workload's template pods, their account and namespace not in the input", () => {
  const deployment = (name: string, account?: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: w}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec:\n${account ? `      serviceAccountName: ${account}\n` : ""}      containers: [{name: c, image: i, ports: [{containerPort: 80}]}]\n`;
  const isolate = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: isolate-api, namespace: w}\nspec:\n  selector: all()\n  serviceAccountSelector: projectcalico.org/name == 'api'\n  types: [Ingress]\n  ingress: []\n";
  const peer = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: from-api}\nspec:\n  selector: app == 'db'\n  ingress:\n  - {action: Deny, source: {serviceAccounts: {names: [api]}}}\n  - {action: Deny, source: {serviceAccounts: {selector: projectcalico.org/name == 'client'}}}\n  - {action: Allow}\n";
  const l = load({ "w.yaml": [deployment("api", "api"), deployment("client", "client"), deployment("db"), isolate, peer].join("---\n") });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "w/client", "w/api", 80), "deny", "the api pods run as api: isolated");
  assert.equal(verdict(e, "w/client", "w/db", 80), "deny", "the client pods run as client: denied by the selector on its name");
  assert.equal(verdict(e, "w/api", "w/db", 80), "deny", "names: [api]");
  assert.equal(verdict(e, "w/db", "w/client", 80), "allow");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "template pods' accounts");
});
