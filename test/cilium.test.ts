import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "./helpers.js";
import { withPolicies } from "./fixtures/e2e-model.js";
import { PolicyEngine } from "../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import { mergeClusters } from "../src/sources/clusters.js";
import { ciliumIdentityLabel } from "../src/sources/cilium.js";
import { FastConnectivity } from "../src/engine/fast/connectivity.js";
import { assertAgree, podsAnd } from "./engine/fast-agree.js";

const cnp = (name: string, spec: string, namespace = "x") =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: '${namespace}'}\nspec:\n${spec}`;

test("selection puts an endpoint in default deny; allows add up; deny wins over any allow", () => {
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{}]";
  const e = engineFor(withPolicies(np,
    cnp("a", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {pod: c}}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}]}]"),
  ));
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/c", "x/a", 80), "deny", "deny beats the NetworkPolicy's allow");
  assert.equal(verdict(e, "x/c", "x/a", 81), "allow", "the NetworkPolicy allows, no deny on 81");
});

test("a deny-only policy still enables default deny, unless enableDefaultDeny is false", () => {
  const iso = engineFor(withPolicies(cnp("d", "  endpointSelector: {}\n  egressDeny:\n  - toEndpoints: [{matchLabels: {pod: c}}]")));
  assert.equal(verdict(iso, "x/a", "x/b", 80), "deny");
  const open = engineFor(withPolicies(cnp("d", "  endpointSelector: {}\n  enableDefaultDeny: {egress: false}\n  egressDeny:\n  - toEndpoints: [{matchLabels: {pod: c}}]")));
  assert.equal(verdict(open, "x/a", "x/b", 80), "allow");
  assert.equal(verdict(open, "x/a", "x/c", 80), "deny");
});

test("CIDR rules and the world entity match only addresses outside the cluster", () => {
  const e = engineFor(withPolicies(cnp("w", "  endpointSelector: {}\n  egress:\n  - toCIDR: [10.0.0.0/8]\n  - toEntities: [world]\n    toPorts: [{ports: [{port: '443'}]}]")));
  assert.equal(verdict(e, "x/a", "ip:10.9.9.9", 80), "allow");
  assert.equal(verdict(e, "x/a", "y/b", 80), "deny", "a pod IP inside 10.0.0.0/8 is not matched by a CIDR rule");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 443), "allow");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 80), "deny");
});

test("namespaces: a CNP stays in its namespace unless a selector names another; cluster entity", () => {
  const e = engineFor(withPolicies(
    cnp("'n'", "  endpointSelector: {}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: z, pod: c}}]"),
    cnp("c", "  endpointSelector: {}\n  ingress:\n  - fromEntities: [cluster]", "y"),
  ));
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/b", "x/a", 80), "deny");
  assert.equal(verdict(e, "z/c", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/a", "y/a", 80), "allow");
  assert.equal(verdict(e, "ip:8.8.8.8", "y/a", 80), "deny");
});

test("Cilium validation errors are precise", () => {
  const l = load({ "c.yaml": cnp("bad", "  endpointSelector: {}\n  ingress:\n  - fromEntities: [remote-nodes]\n  ingressDeny:\n  - toPorts: [{ports: [{port: '80'}], rules: {http: [{method: GET}]}}]") });
  const got = l.diagnostics.errors.map((d) => `${d.line} ${d.field?.join(".")}: ${d.message}`);
  for (const re of [/^7 spec\.ingress\.0\.fromEntities\.0: "remote-nodes" is not a Cilium entity/, /^9 spec\.ingressDeny\.0\.toPorts\.0\.rules: a deny rule's toPorts entry has only ports \(Cilium's PortDenyRule\)/]) {
    assert.ok(got.some((g) => re.test(g)), `${re}\n${got.join("\n")}`);
  }
});

// pkg/policy/rule.go: a rule is L3-only (every port) only without toPorts and icmps; an icmps rule
// is an L4 rule for ICMP. rule_validation.go refuses icmps beside toPorts.
test("an icmps rule with peers allows only ICMP, not every TCP port; icmps beside toPorts is refused", () => {
  const e = engineFor(withPolicies(cnp("i", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    icmps: [{fields: [{type: 8, family: IPv4}]}]")));
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny");
  assert.equal(verdict(e, "x/b", "x/a", 53, "UDP"), "deny");
  const l = load({ "p.yaml": cnp("i", "  endpointSelector: {}\n  ingress:\n  - icmps: [{fields: [{type: 8}]}]\n    toPorts: [{ports: [{port: '80'}]}]") });
  assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.ingress\.0\.icmps: icmps may only be present without toPorts/);
});

// pkg/policy/repository.go computePolicyEnforcementAndRules: a direction is enforced when a rule
// selecting the endpoint has `len(r.Ingress) > 0 || len(r.IngressDeny) > 0`; `ingress: []` is none.
test("an empty ingress list does not isolate; enableDefaultDeny true without rules does not either", () => {
  const e = engineFor(withPolicies(cnp("none", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress: []\n  egress: [{toEndpoints: [{}]}]")));
  assert.equal(verdict(e, "y/c", "x/a", 80), "allow", "ingress: [] leaves ingress open");
  assert.equal(verdict(e, "x/a", "y/c", 80), "deny", "egress is isolated: {} is the policy's namespace");
  const f = engineFor(withPolicies(cnp("none", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: true}\n  egress: [{}]")));
  assert.equal(verdict(f, "y/c", "x/a", 80), "allow");
});

// The CiliumNetworkPolicy CRD's pattern for toPorts[].ports[].port: a number or an IANA service name.
test("a toPorts port that is neither a number nor a port name is refused, not read as a name that never matches", () => {
  const l = load({ "p.yaml": cnp("r", "  endpointSelector: {}\n  ingressDeny:\n  - toPorts: [{ports: [{port: '80-90'}]}]") });
  assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /ports\.0\.port: "80-90" is not a port number/);
});

// pkg/policy/rule.go mergeIngress/mergeEgress: `if toPorts.Len() == 0 && icmp.Len() == 0` the rule is
// L3-only (every port); otherwise each toPorts entry is merged port by port (`for _, p := range
// r.GetPortProtocols()`), so an entry without ports contributes nothing.
test("toPorts: [] is every port; an entry without ports matches nothing (it allowed every port); a missing port is refused; a leading 0 is octal", () => {
  const noPorts = engineFor(withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    toPorts: [{ports: []}]")));
  assert.equal(verdict(noPorts, "x/b", "x/a", 80), "deny", "{ports: []} allows nothing; the rule still isolates");
  const emptyEntry = engineFor(withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    toPorts: [{}]")));
  assert.equal(verdict(emptyEntry, "x/b", "x/a", 80), "deny");
  const denyNone = engineFor(withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    toPorts: [{ports: []}]")));
  assert.equal(verdict(denyNone, "x/b", "x/a", 80), "allow", "a deny entry without ports denies nothing");
  const emptyList = engineFor(withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    toPorts: []")));
  assert.equal(verdict(emptyList, "x/b", "x/a", 80), "deny", "toPorts: [] is an L3-only rule: the deny covers every port (it denied nothing)");
  assert.equal(verdict(emptyList, "x/c", "x/a", 80), "allow");
  const octal = load({ "p.yaml": withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - toPorts: [{ports: [{port: '0120', protocol: TCP}]}]")) });
  assert.match(octal.diagnostics.items.map((d) => d.message).join("\n"), /"0120" is the octal port 80 to Cilium/);
  const e = new PolicyEngine(octal.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/b", "x/a", 120), "deny");
  const bad = load({ "p.yaml": cnp("p", "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{protocol: TCP}, {port: '089'}]}]") });
  const errs = bad.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(errs, /ports\.0\.port: port must be specified/);
  assert.match(errs, /ports\.1\.port: "089": Cilium reads a port with a leading 0 as octal/);
});

// pkg/policy/api/entity.go: EntitySelectorMapping names every entity Cilium accepts; kube-apiserver is
// the reserved:kube-apiserver label Cilium puts on the addresses of the endpoints of default/kubernetes,
// and InitEntities makes `cluster` include it; init, health, unmanaged and ingress are Cilium's own
// identities, which no object of the input stands for.
test("entities: kube-apiserver is the addresses of default/kubernetes's endpoints (and part of cluster); init, health, unmanaged, ingress and none match no modelled endpoint, with a note, not an error", () => {
  const slice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}\naddressType: IPv4\nendpoints: [{addresses: [172.20.0.1]}]\nports: [{name: https, port: 6443, protocol: TCP}]";
  const toApi = cnp("api", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toEntities: [kube-apiserver]");
  const e = engineFor(withPolicies(toApi, slice));
  assert.equal(verdict(e, "x/a", "ip:172.20.0.1", 6443), "allow");
  assert.equal(verdict(e, "x/a", "ip:172.20.0.2", 6443), "deny");
  const denyApi = engineFor(withPolicies(cnp("d", "  endpointSelector: {}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEntities: [kube-apiserver]"), slice));
  assert.equal(verdict(denyApi, "ip:172.20.0.1", "x/a", 443), "deny", "a Deny naming only kube-apiserver denies the API server (it was refused, and denied nothing under --lenient)");
  assert.equal(verdict(denyApi, "ip:172.20.0.9", "x/a", 443), "allow");
  const cluster = engineFor(withPolicies(cnp("c", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toEntities: [cluster]"), slice));
  assert.equal(verdict(cluster, "x/a", "ip:172.20.0.1", 443), "allow", "cluster includes the API server, inside the cluster or not");
  assert.equal(verdict(cluster, "x/a", "ip:172.20.0.2", 443), "deny");
  const unknown = load({ "p.yaml": withPolicies(toApi) });
  assert.deepEqual(unknown.diagnostics.errors, []);
  assert.match(unknown.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}: ${d.message}`).join("\n"), /warning spec\.egress\.0\.toEntities\.0: the kube-apiserver entity .* the input has no EndpointSlice of it/);
  const own = load({ "p.yaml": withPolicies(cnp("o", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEntities: [health, init, unmanaged, ingress, none]")) });
  assert.deepEqual(own.diagnostics.errors, []);
  const notes = own.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}`);
  assert.deepEqual(notes.filter((n) => n.includes("fromEntities")), ["info spec.ingressDeny.0.fromEntities.0", "info spec.ingressDeny.0.fromEntities.1", "info spec.ingressDeny.0.fromEntities.2", "warning spec.ingressDeny.0.fromEntities.3"]);
  assert.equal(verdict(new PolicyEngine(own.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "allow", "none of them is a modelled endpoint");
});

// pkg/ipcache/metadata.go resolveIdentity: an API server address that is no node's has only the
// kube-apiserver label ("If no other labels are associated with this IP, we assume that it's outside
// of the cluster and hence needs a CIDR identity": GetCIDRLabels adds reserved:world), so `world` and
// CIDRs match it as well as `kube-apiserver`, and an egressDeny of world denies it whatever allows it;
// on a node ("If the prefix is associated with the host or remote-node, then force-remove the world
// label", and its CIDR labels under the default policy-cidr-match-mode) world and CIDRs do not.
test("entities: world matches the API server's address outside the cluster (a CIDR identity), not on a node", () => {
  const slice = (a: string) => `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: kubernetes, namespace: default, labels: {kubernetes.io/service-name: kubernetes}}\naddressType: IPv4\nendpoints: [{addresses: [${a}]}]\nports: [{name: https, port: 6443, protocol: TCP}]`;
  const node = "apiVersion: v1\nkind: Node\nmetadata: {name: cp}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.9}]}";
  const to = (rules: string, at: string) => engineFor(withPolicies(cnp("p", `  endpointSelector: {matchLabels: {pod: a}}\n${rules}`), slice(at), node));
  const world = "  egress:\n  - toEntities: [world]", cidr = "  egress:\n  - toCIDR: [172.18.0.9/32, 203.0.113.10/32]";
  const denyWorld = "  egressDeny:\n  - toEntities: [world]\n  egress:\n  - toEntities: [kube-apiserver]";
  assert.equal(verdict(to(world, "203.0.113.10"), "x/a", "ip:203.0.113.10", 6443), "allow", "outside: reserved:world too");
  assert.equal(verdict(to(cidr, "203.0.113.10"), "x/a", "ip:203.0.113.10", 6443), "allow");
  assert.equal(verdict(to(denyWorld, "203.0.113.10"), "x/a", "ip:203.0.113.10", 6443), "deny", "the deny of world wins over the kube-apiserver allow");
  assert.equal(verdict(to(world, "172.18.0.9"), "x/a", "node:cp", 6443), "deny", "a node's address: no world label");
  assert.equal(verdict(to(cidr, "172.18.0.9"), "x/a", "node:cp", 6443), "deny", "nor CIDR labels (policy-cidr-match-mode)");
  assert.equal(verdict(to(denyWorld, "172.18.0.9"), "x/a", "node:cp", 6443), "allow");
});

// Cilium labels every pod it manages with io.cilium.k8s.policy.cluster=<cluster-name> (the agent's
// cluster-name, "default" unless configured; api/entity.go InitEntities selects the cluster by it).
test("io.cilium.k8s.policy.cluster in endpoint selectors is the cluster's name: Cilium's default \"default\", or the --cluster name (it was read as a pod label no pod has: a Deny on it denied nothing)", () => {
  const deny = (value: string) => cnp("d", `  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {k8s:io.cilium.k8s.policy.cluster: ${value}, pod: b}}]`);
  const local = load({ "p.yaml": withPolicies(deny("default")) });
  assert.match(local.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}: ${d.message}`).join("\n"), /warning spec\.ingressDeny\.0\.fromEndpoints\.0: io\.cilium\.k8s\.policy\.cluster is matched against the cluster's name .* read as Cilium's default "default"/);
  const e = new PolicyEngine(local.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "pods of this cluster are denied");
  assert.equal(verdict(e, "x/c", "x/a", 80), "allow");
  assert.equal(verdict(engineFor(withPolicies(deny("mesh-2"))), "x/b", "x/a", 80), "allow", "another cluster's pods are not in the model");
  const notIn = engineFor(withPolicies(cnp("ni", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchExpressions: [{key: io.cilium.k8s.policy.cluster, operator: NotIn, values: [default]}]}]")));
  assert.equal(verdict(notIn, "x/b", "x/a", 80), "deny", "NotIn the local cluster: no local pod");
  // With --cluster prod-eu=PATH the cluster's name is known.
  const eu = (value: string) => new PolicyEngine(mergeClusters([{ cluster: "prod-eu", loaded: load({ "p.yaml": withPolicies(deny(value)) }) }]).inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(eu("prod-eu"), "prod-eu:x/b", "prod-eu:x/a", 80), "deny");
  assert.equal(verdict(eu("default"), "prod-eu:x/b", "prod-eu:x/a", 80), "allow");
});

// rule_validation.go PortProtocol.Validate/Sanitize: an IANA service name (iana.IsSvcName) is a port
// name, lowercased for a case-insensitive comparison; anything else is strconv.ParseUint(port, 0, 16).
// The CRD's pattern (`^(...|[0-9]{1,4})|(name)$`, unanchored alternatives) lets any text starting with
// a digit through, so "8_0" reaches the agent, which reads port 80 (Go's digit separator): Junction
// refused it (and under --lenient its Deny denied nothing). "Serve-80-TCP" names the pod's
// serve-80-tcp port to Cilium; it matched no port here.
test("toPorts ports are read as Cilium's agent parses them: Go integer syntax, and port names without case", () => {
  const l = load({ "p.yaml": withPolicies(cnp("p", [
    "  endpointSelector: {matchLabels: {pod: a}}",
    "  ingressDeny:", "  - toPorts: [{ports: [{port: '8_0', protocol: TCP}, {port: '0x_51', protocol: TCP}]}]",
    "  ingress:", "  - toPorts: [{ports: [{port: Serve-80-UDP, protocol: UDP}]}]",
  ].join("\n"))) });
  assert.deepEqual(l.diagnostics.errors, []);
  assert.match(l.diagnostics.items.map((d) => d.message).join("\n"), /"8_0" is the port 80 to Cilium \(strconv\.ParseUint base 0\); write 80/);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "8_0 is 80");
  assert.equal(verdict(e, "x/b", "x/a", 81), "deny", "0x_51 is 81");
  assert.equal(verdict(e, "x/b", "x/a", 80, "UDP"), "allow", "the named port, lowercased");
  assert.equal(verdict(e, "x/b", "x/a", 81, "UDP"), "deny");
  const bad = load({ "p.yaml": cnp("p", "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '8__0'}, {port: '70000'}, {port: '0x50'}]}]") });
  const errs = bad.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(errs, /ports\.0\.port: "8__0" is not a port number/);
  assert.match(errs, /ports\.1\.port: "70000" is not a port number/);
  assert.doesNotMatch(errs, /ports\.2/, "0x50 is a port name (an IANA service name has a letter)");
});

// The agent reads its options from the ConfigMap cilium-config: cluster-name is the name every pod it
// manages carries as io.cilium.k8s.policy.cluster (a Deny naming the configured name denied nothing
// here: the name was taken to be "default"), and enable-node-selector-labels is required for
// fromNodes/toNodes ("FromNodes/ToNodes rules can only be applied when the enable-node-selector-labels
// flag is set": the agent refuses the policy; Junction read such rules silently).
test("the agent's ConfigMap cilium-config: cluster-name names the cluster, enable-node-selector-labels allows fromNodes/toNodes", () => {
  const config = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
  const deny = (value: string) => cnp("d", `  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {io.cilium.k8s.policy.cluster: ${value}, pod: b}}]`);
  // The ConfigMap after the policy: read once every object is.
  const named = load({ "p.yaml": withPolicies(deny("prod-eu"), config("cluster-name: prod-eu")) });
  assert.deepEqual(named.diagnostics.items.filter((d) => d.severity !== "info").map((d) => d.message), []);
  assert.equal(verdict(new PolicyEngine(named.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "deny", "the configured cluster's pods");
  assert.equal(verdict(engineFor(withPolicies(config("cluster-name: prod-eu"), deny("default"))), "x/b", "x/a", 80), "allow", "not the default name any more");
  const merged = new PolicyEngine(mergeClusters([{ cluster: "eu", loaded: named }]).inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(merged, "eu:x/b", "eu:x/a", 80), "deny", "the agent's name, not the --cluster name");

  const nodes = cnp("n", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromNodes: [{matchLabels: {role: infra}}]");
  const messages = (...docs: string[]) => load({ "p.yaml": withPolicies(...docs) }).diagnostics.items.filter((d) => d.field?.join(".") === "spec.ingress.0.fromNodes").map((d) => `${d.severity}: ${d.message}`);
  assert.match(messages(nodes, config("enable-node-selector-labels: 'false'")).join("\n"), /^error: fromNodes\/toNodes rules can only be applied when the agent's enable-node-selector-labels option is set, and kube-system\/cilium-config does not set it: Cilium refuses the policy$/);
  assert.match(messages(nodes, config("cluster-name: c1")).join("\n"), /^error: /, "off by default");
  assert.deepEqual(messages(nodes, config("enable-node-selector-labels: 'true'")), []);
  assert.match(messages(nodes).join("\n"), /^warning: fromNodes\/toNodes take effect only when the Cilium agent runs with enable-node-selector-labels/);
});

// The host entity is the own-node peer and remote-node alone every node but the endpoint's own (the node
// manager's nodeIdentityLabels: the local node's identity is reserved:host, the others reserved:remote-node),
// in allow and deny rules alike, with or without default deny (test/engine/own-node.test.ts pins their
// answers). A deny of host, remote-node alone and host with enableDefaultDeny false were refused.
test("the host and remote-node entities are peers relative to the endpoint, in allow and deny rules, with or without default deny", () => {
  const peersOf = (spec: string) => {
    const l = load({ "p.yaml": withPolicies(cnp("h", spec)) });
    assert.deepEqual(l.diagnostics.errors, []);
    return l.inventory.policies.filter((p) => p.kind === "CiliumNetworkPolicy").flatMap((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].map((r) => `${p.tier} ${r.action} ${r.peers?.map((x) => x.kind).join(",")}`));
  };
  assert.deepEqual(peersOf("  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toEntities: [host]"), ["namespace allow own-node"]);
  assert.deepEqual(peersOf("  endpointSelector: {}\n  egressDeny:\n  - toEntities: [host]\n  ingress:\n  - fromEntities: [remote-node]"), ["admin deny own-node", "namespace allow remote-node"]);
  assert.deepEqual(peersOf("  endpointSelector: {}\n  enableDefaultDeny: {egress: false}\n  egress:\n  - toEntities: [host]"), ["admin allow own-node"]);
  assert.deepEqual(peersOf("  endpointSelector: {}\n  egress:\n  - toEntities: [remote-node, host]"), ["namespace allow nodes"]);
});

// A toPorts entry's serverNames (TLS SNI) and listener narrow what it allows to what the model does not
// describe (api/l4.go PortRule: "If not empty, then TLS must be present and one of the provided SNIs
// must be indicated in the TLS handshake"): they were ignored, so the entry allowed every connection on
// its ports. They are refused now, and under --lenient the entry allows nothing.
test("toPorts serverNames and listener are refused; under --lenient the entry allows nothing (it allowed every connection)", () => {
  const l = load({ "p.yaml": withPolicies(cnp("p", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], serverNames: [a.example]}]\n    authentication: {mode: required}")) });
  const got = l.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(got, /error spec\.ingress\.0\.toPorts\.0\.serverNames: serverNames allows only TLS connections/);
  assert.match(got, /warning spec\.ingress\.0\.authentication: authentication mode required/);
  assert.equal(verdict(new PolicyEngine(l.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "deny");
});

// A deny rule's toPorts entry is a PortDenyRule (api/l4.go: "This structure lacks the L7Rules since it's
// not supported in deny policies"), ports only: serverNames, listener or rules there are unknown fields
// of the CRD (refused by strict field validation, pruned without it: the deny applies to the ports).
// serverNames was read as narrowing the entry to nothing, so the deny denied nothing under --lenient, and
// rules made the deny an HTTP filter.
test("a deny rule's toPorts entry has only ports: other fields are errors, and the deny applies to its ports", () => {
  const l = load({ "p.yaml": withPolicies(cnp("d", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingressDeny:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], serverNames: [a.example], rules: {http: [{method: GET}]}}]")) });
  const got = l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(got, /spec\.ingressDeny\.0\.toPorts\.0\.serverNames: a deny rule's toPorts entry has only ports \(Cilium's PortDenyRule\)/);
  assert.match(got, /spec\.ingressDeny\.0\.toPorts\.0\.rules: a deny rule's toPorts entry has only ports/);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny");
  assert.equal(l.inventory.policies.find((p) => p.kind === "CiliumNetworkPolicy")?.ingress?.[0].http, undefined, "no HTTP filter on a deny");
  assert.equal(verdict(e, "x/b", "x/a", 81), "allow");
});

// The load keeps every NetworkPolicy's peers until it knows whether the input shows Cilium (networkpolicy.ts
// CiliumSteps, in flat lists): each policy gets its own peers back, each reported at its own place (a peer
// skipped for an error, a policy without peers, a policy of another file in between).
test("under Cilium each NetworkPolicy's ipBlock is reported at its own place, whatever the policies around it", () => {
  const np = (name: string, egress: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n${egress}`;
  const signal = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {cluster-name: c1}";
  const l = load({
    "p.yaml": withPolicies(np("one", "  - to: [{}, {ipBlock: {cidr: 10.0.0.0/8}}]"), np("two", "  - ports: [{port: 80}]"), signal),
    "q.yaml": np("three", "  - to: [{podSelector: {matchLabels: {pod: b}}}]\n  - to: [{namespaceSelector: {}}, {ipBlock: {cidr: 10.0.0.0/9}}]"),
  });
  const got = l.diagnostics.items.filter((d) => d.code === "vendor-ipblock" || d.code === "required").map((d) => `${d.ref?.file} ${d.field?.join(".")}: ${d.message.split(" covers")[0]}`);
  assert.deepEqual(got, [
    "p.yaml spec.egress.0.to.0: must specify a peer: podSelector, namespaceSelector or ipBlock",
    "p.yaml spec.egress.0.to.1.ipBlock.cidr: 10.0.0.0/8",
    "q.yaml spec.egress.1.to.1.ipBlock.cidr: 10.0.0.0/9",
  ]);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "y/b", 80), "allow", "policy three's pod selector, read as Cilium's identities");
  assert.equal(verdict(e, "x/a", "ip:10.200.0.1", 81), "allow", "an address outside the cluster");
});

// Cilium reads a NetworkPolicy's ipBlock as a CIDR rule (pkg/k8s network_policy.go parseNetworkPolicyPeer),
// and "CIDR rules do not apply to traffic where both sides of the connection are either managed by
// Cilium or use an IP belonging to a node in the cluster" (Documentation/policy/language.rst). When the
// input shows Cilium, an ipBlock covering pod addresses allowed them (a wrong allow under Cilium): it
// now matches only addresses outside the cluster, with a warning naming a covered pod.
test("under Cilium a NetworkPolicy ipBlock matches only addresses outside the cluster (it matched pods)", () => {
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: to-10, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.0.3.0/24]}}]";
  const signals = [cnp("other", "  endpointSelector: {matchLabels: {pod: none}}\n  ingress: [{}]"),
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec: {selector: {matchLabels: {k8s-app: cilium}}, template: {metadata: {labels: {k8s-app: cilium}}, spec: {hostNetwork: true, containers: [{name: c, image: i}]}}}",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {cluster-name: c1}"];
  const plain = load({ "p.yaml": withPolicies(np) });
  assert.equal(verdict(new PolicyEngine(plain.inventory, DEFAULT_OPTIONS), "x/a", "y/b", 80), "allow", "without Cilium: the pod's address is in the block");
  for (const signal of signals) {
    const l = load({ "p.yaml": withPolicies(np, signal) });
    assert.deepEqual(l.diagnostics.errors, []);
    const warning = l.diagnostics.items.find((d) => d.code === "vendor-ipblock");
    assert.match(`${warning?.field?.join(".")}: ${warning?.message}`, /^spec\.egress\.0\.to\.0\.ipBlock\.cidr: 10\.0\.0\.0\/8 covers the address of pod \w\/\w, which Cilium's CIDR rules never match \(the input's CNI is Cilium \(/);
    const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
    assert.equal(verdict(e, "x/a", "y/b", 80), "deny", signal.split("\n")[1]);
    assert.equal(verdict(e, "x/a", "ip:10.200.0.1", 80), "allow", "an address outside the cluster");
    assert.equal(verdict(e, "x/a", "ip:10.0.3.9", 80), "deny", "except");
    assertAgree(new FastConnectivity(e), podsAnd(l.inventory, "10.200.0.1", "10.0.3.9"), "ipBlock under Cilium");
  }
});

// pkg/labelsfilter/filter.go defaultLabelPrefixCfg: the labels of Cilium's identities, which its selectors
// match. Ignored: io.kubernetes*, kubernetes.io*, statefulset.kubernetes.io/pod-name,
// apps.kubernetes.io/pod-index, batch.kubernetes.io/job-completion-index, *beta.kubernetes.io*, k8s.io*,
// pod-template-generation, pod-template-hash, controller-revision-hash, annotation*, etcd_node; included
// over them: io.kubernetes.pod.namespace, io.cilium.k8s.namespace.labels, app.kubernetes.io,
// io.cilium.k8s.policy.cluster (the longer include wins: filterLabels). A selector asking for such a
// label selected the pods that have it (a wrong allow in a peer); Cilium's selects none.
test("Cilium's identity label filter: selectors on labels its identities leave out select nothing (or always hold, negated)", () => {
  for (const [key, identity] of [["app", true], ["app.kubernetes.io/name", true], ["pod-template-hash", false], ["statefulset.kubernetes.io/pod-name", false],
    ["controller-revision-hash", false], ["kubernetes.io/hostname", false], ["io.kubernetes.foo", false], ["io.kubernetes.pod.namespace", true],
    ["node.beta.kubernetes.io/x", false], ["k8s.io/x", false], ["annotation.x", false], ["apps.kubernetes.io/pod-index", false], ["team.k8s.io", true]] as const) {
    assert.equal(ciliumIdentityLabel(key), identity, key);
  }
  const pod = (name: string, labels: string, ip: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {${labels}}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.${ip}}`;
  const pods = [pod("db-0", "app: db, statefulset.kubernetes.io/pod-name: db-0", 1), pod("web", "app: web, pod-template-hash: abc", 2), pod("api", "app: api", 3)];
  const policies = [
    cnp("db", "  endpointSelector: {matchLabels: {app: db}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod-template-hash: abc}}]\n  - fromEndpoints: [{matchExpressions: [{key: pod-template-hash, operator: DoesNotExist}, {key: app, operator: In, values: [api]}]}]"),
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db0, namespace: x}\nspec:\n  podSelector: {matchLabels: {statefulset.kubernetes.io/pod-name: db-0}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: nothing}}}]}]",
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: api, namespace: x}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod-template-hash: abc}}}]}]",
  ];
  const l = load({ "p.yaml": [...pods, ...policies].join("\n---\n") });
  assert.deepEqual(l.diagnostics.errors, []);
  const warnings = l.diagnostics.items.filter((d) => d.code === "vendor-identity-label").map((d) => `${d.field?.join(".")}: ${d.message}`);
  assert.ok(warnings.some((w) => /^spec\.ingress\.0\.fromEndpoints\.0: pod-template-hash: no label of Cilium's identities .* this selector selects nothing$/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /^spec\.ingress\.1\.fromEndpoints\.0: pod-template-hash: .* its requirement always holds$/.test(w)), warnings.join("\n"));
  assert.ok(warnings.some((w) => /^spec\.podSelector: statefulset\.kubernetes\.io\/pod-name: .* selects nothing$/.test(w)), warnings.join("\n"));
  // (A NetworkPolicy's peer: its field is kept detached until the load's end, networkpolicy.ts.)
  assert.ok(warnings.some((w) => /^spec\.ingress\.0\.from\.0\.podSelector: pod-template-hash: .* selects nothing$/.test(w)), warnings.join("\n"));
  assert.ok(l.diagnostics.items.filter((d) => d.code === "vendor-identity-label").every((d) => d.ref?.file === "p.yaml" && d.ref.doc >= 3), "each on its policy's document");
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/web", "x/db-0", 80), "deny", "fromEndpoints pod-template-hash: selects nothing under Cilium");
  assert.equal(verdict(e, "x/api", "x/db-0", 80), "allow", "DoesNotExist on a filtered label always holds; the NetworkPolicy on pod-name selects nothing");
  assert.equal(verdict(e, "x/web", "x/api", 80), "deny", "the NetworkPolicy's peer on pod-template-hash selects nothing under Cilium");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory), "identity labels");
  // Without Cilium in the input a NetworkPolicy reads every label, as the API says.
  const plain = load({ "p.yaml": [...pods, policies[2]].join("\n---\n") });
  assert.equal(verdict(new PolicyEngine(plain.inventory, DEFAULT_OPTIONS), "x/web", "x/api", 80), "allow");
});

// pkg/k8s/apis/cilium.io/utils/utils.go ParseToCiliumRule: a CiliumNetworkPolicy's endpointSelector
// gets AddMatch(k8s:io.kubernetes.pod.namespace, <its namespace>), which overwrites the user's
// matchLabels entry of that key ("illegal namespace match in EndpointSelector ... removing") and is
// ANDed with any other namespace requirement; the repository matches it against its namespace only.
test("a CiliumNetworkPolicy's endpointSelector selects in its own namespace whatever namespace it names", () => {
  const named = engineFor(withPolicies(cnp("s", "  endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: 'y', pod: a}}\n  ingress: [{fromEndpoints: [{matchLabels: {pod: b}}]}]")));
  assert.equal(verdict(named, "x/c", "x/a", 80), "deny", "x/a is the subject: the k8s: namespace match is replaced by x");
  assert.equal(verdict(named, "x/b", "x/a", 80), "allow");
  assert.equal(verdict(named, "y/c", "y/a", 80), "allow", "y/a is not selected");
  const l = load({ "p.yaml": cnp("s", "  endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: 'y'}}\n  ingress: [{}]") });
  assert.match(l.diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.endpointSelector\.matchLabels\.k8s:io\.kubernetes\.pod\.namespace: "y": a CiliumNetworkPolicy's endpointSelector always selects pods of its own namespace \(x\)/);
  for (const sel of ["{matchLabels: {io.kubernetes.pod.namespace: 'y'}}", "{matchExpressions: [{key: k8s:io.kubernetes.pod.namespace, operator: In, values: ['y']}]}"]) {
    const e = engineFor(withPolicies(cnp("s", `  endpointSelector: ${sel}\n  ingress: [{}]`)));
    assert.equal(verdict(e, "x/b", "y/a", 80), "allow", `${sel}: x and y at once, nothing selected`);
    assert.equal(verdict(e, "x/b", "x/a", 80), "allow", sel);
  }
  const exists = engineFor(withPolicies(cnp("s", "  endpointSelector: {matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}\n  ingress: [{}]")));
  assert.equal(verdict(exists, "x/b", "x/a", 80), "deny");
  assert.equal(verdict(exists, "x/b", "y/a", 80), "allow", "Exists is x's pods, not every namespace's");
});

// utils.go getEndpointSelector (since cilium/cilium#30650, Cilium 1.16): a peer selector with a
// namespace-labels requirement gets no namespace match ("!es.HasKeyPrefix(podK8SNamespaceLabelsPrefix)"),
// so it selects the pods of every namespace so labelled, in a CiliumNetworkPolicy too.
test("a CiliumNetworkPolicy's peer selecting by namespace labels looks in every namespace", () => {
  const e = engineFor(withPolicies(cnp("l", "  endpointSelector: {}\n  ingress: [{fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.ns: 'y', pod: b}}]}]\n  egress: [{toEndpoints: [{matchExpressions: [{key: k8s:io.cilium.k8s.namespace.labels.ns, operator: In, values: [z]}]}]}]")));
  assert.equal(verdict(e, "y/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny");
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "x is not labelled ns=y");
  assert.equal(verdict(e, "x/a", "z/c", 80), "allow");
  assert.equal(verdict(e, "x/a", "x/c", 80), "deny");
});

// pkg/policy/repository.go computePolicyEnforcementAndRules: "if policyMode == option.AlwaysEnforce
// ... return true, true, true, true": under enable-policy always every endpoint is in default deny
// both ways, whether or not a rule selects it; allows (NetworkPolicies' too) still add up.
test("enable-policy always puts every pod in default deny both ways; never enforces nothing; another value is an error", () => {
  const config = (mode: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {enable-policy: ${mode}}`;
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {matchLabels: {pod: a}}\n  ingress: [{from: [{podSelector: {matchLabels: {pod: b}}}]}]";
  const egress = cnp("eg", "  endpointSelector: {matchLabels: {pod: b}}\n  egress: [{toEndpoints: [{matchLabels: {pod: a}}]}]");
  const yaml = withPolicies(config("Always"), np, egress);
  const e = engineFor(yaml);
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow", "both ends allow it");
  assert.equal(verdict(e, "y/b", "y/a", 80), "deny", "no policy selects y/a or y/b: denied both ways all the same");
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 443), "deny");
  assert.equal(verdict(e, "x/c", "x/b", 80), "deny", "x/b's ingress: nothing allows it");
  const l = load({ "c.yaml": yaml });
  assertAgree(new FastConnectivity(new PolicyEngine(l.inventory, DEFAULT_OPTIONS)), podsAnd(l.inventory, "8.8.8.8"), "enable-policy always");
  const d = engineFor(withPolicies(config("default"), np));
  assert.equal(verdict(d, "y/b", "y/a", 80), "allow");
  const never = load({ "c.yaml": withPolicies(config("never"), np, egress) });
  assert.match(never.diagnostics.items.map((x) => `${x.severity} ${x.field?.join(".")}: ${x.message}`).join("\n"), /warning data\.enable-policy: enable-policy never: the Cilium agent enforces no policy/);
  const n = new PolicyEngine(never.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(n, "x/c", "x/a", 80), "allow", "the NetworkPolicy is not enforced");
  assert.equal(verdict(n, "x/b", "y/a", 80), "allow", "the CiliumNetworkPolicy is not enforced");
  const bad = load({ "c.yaml": config("sometimes") });
  assert.match(bad.diagnostics.errors.map((x) => `${x.field?.join(".")}: ${x.message}`).join("\n"), /data\.enable-policy: "sometimes" is not an enable-policy mode/);
});

// pkg/policy/api/rule_validation.go (*Rule).Validate: "rule must have at least one of Ingress, IngressDeny,
// Egress, EgressDeny" with len() == 0, so `ingress: []` alone is refused; cnp_types.go Parse refuses the
// whole object for one such rule of its specs.
test("a rule whose sections are all empty lists is refused, and with it every spec of its policy", () => {
  const only = load({ "p.yaml": withPolicies(cnp("dd", "  endpointSelector: {}\n  enableDefaultDeny: {ingress: true}\n  ingress: []")) });
  assert.match(only.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /^spec: rule must have at least one of Ingress, IngressDeny, Egress, EgressDeny \(an empty list is none\): Cilium refuses the policy/);
  const specs = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: two, namespace: x}\nspecs:\n- endpointSelector: {}\n  ingress: [{}]\n- endpointSelector: {matchLabels: {pod: b}}\n  egress: []";
  const l = load({ "p.yaml": withPolicies(specs) });
  assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /^specs\.1: rule must have at least one of .*Cilium refuses the policy, all its specs/);
  assert.deepEqual(l.inventory.policies.filter((p) => p.kind === "CiliumNetworkPolicy"), [], "none of its specs is enforced");
});

// rule_validation.go IngressCommonRule.Validate / EgressCommonRule.Validate: of a rule's L3 members
// (fromEndpoints, fromCIDR, fromCIDRSet, fromEntities, fromNodes, ...; toEndpoints, toCIDR, toCIDRSet,
// toEntities, toNodes, toServices, toFQDNs, ...) one at most is non-empty: "combining %s and %s is not
// supported yet"; Parse refuses the object, so none of it is enforced.
test("a rule combining two L3 members is refused, and the whole policy with it", () => {
  for (const rule of ["ingress: [{fromEndpoints: [{matchLabels: {pod: b}}], fromEntities: [world]}]", "egress: [{toCIDR: [8.8.8.8/32], toCIDRSet: [{cidr: 9.9.9.0/24}]}]", "ingressDeny: [{fromCIDR: [8.8.8.8/32], fromEndpoints: [{}]}]"]) {
    const l = load({ "p.yaml": withPolicies(cnp("c", `  endpointSelector: {}\n  ${rule}`)) });
    assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /^spec\.\w+\.0\.\w+: combining \w+ and \w+ is not supported yet: Cilium refuses the policy/, rule);
    assert.deepEqual(l.inventory.policies, [], `${rule}: nothing of the policy is enforced`);
  }
});

// mergeEndpointSelectors: "Explicitly check for empty non-nil slices, it should not result in any identity
// being selected": an empty L3 list beside a non-empty one leaves the rule without peers.
test("an empty L3 list in a rule selects no peer, whatever the rule's other L3 list", () => {
  const fine = load({ "p.yaml": withPolicies(cnp("c", "  endpointSelector: {}\n  ingress: [{fromEndpoints: [{matchLabels: {pod: b}}], fromEntities: []}, {fromEntities: [world]}]")) });
  assert.deepEqual(fine.diagnostics.errors, [], "an empty list is no member");
  const e = new PolicyEngine(fine.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "deny", "fromEntities: [] beside fromEndpoints selects nothing (mergeEndpointSelectors)");
  assert.equal(verdict(e, "ip:8.8.8.8", "x/a", 80), "allow");
});

// rule_validation.go PortRule.Validate: with L7 rules, "DNS rules are not allowed on ingress", other
// L7 rules "can only apply to TCP (not %s) except for DNS rules" and "can not be used when a port is 0".
test("L7 rules on a port that is not TCP, on port 0, or DNS rules on ingress refuse the policy", () => {
  const cases: [string, RegExp][] = [
    ["ingress: [{toPorts: [{ports: [{port: '80'}], rules: {http: [{method: GET}]}}]}]", /spec\.ingress\.0\.toPorts\.0\.ports\.0: L7 rules can only apply to TCP \(not a port without protocol, which is ANY\) except for DNS rules: Cilium refuses the policy/],
    ["ingress: [{toPorts: [{ports: [{port: '80', protocol: ANY}], rules: {http: [{method: GET}]}}]}]", /ports\.0\.protocol: L7 rules can only apply to TCP \(not ANY\)/],
    ["ingress: [{toPorts: [{ports: [{port: '0', protocol: TCP}], rules: {http: [{method: GET}]}}]}]", /ports\.0\.port: L7 rules can not be used when a port is 0/],
    ["ingress: [{toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]}]", /rules\.dns: DNS rules are not allowed on ingress/],
  ];
  for (const [rule, want] of cases) {
    const l = load({ "p.yaml": withPolicies(cnp("l7", `  endpointSelector: {}\n  ${rule}`)) });
    assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), want, rule);
    assert.deepEqual(l.inventory.policies, [], `${rule}: none of it is enforced`);
  }
  const egressDns = load({ "p.yaml": withPolicies(cnp("l7", "  endpointSelector: {}\n  egress: [{toPorts: [{ports: [{port: '53', protocol: ANY}], rules: {dns: [{matchPattern: '*'}]}}]}]")) });
  assert.deepEqual(egressDns.diagnostics.errors, [], "DNS rules on egress, on any protocol");
  // DNS rules too: port 0 ("L7 rules can not be used when a port is 0", checked for any non-empty
  // Rules) and a range ("DNS rules do not support port ranges"); `dns: []` is no DNS rule
  // (hasDNSRules: len > 0), so the TCP check applies and ingress takes it.
  const refused: [string, RegExp][] = [
    ["egress: [{toPorts: [{ports: [{port: '0', protocol: ANY}], rules: {dns: [{matchPattern: '*'}]}}]}]", /ports\.0\.port: L7 rules can not be used when a port is 0/],
    ["egress: [{toPorts: [{ports: [{port: '53', endPort: 54, protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]}]", /ports\.0\.endPort: DNS rules do not support port ranges/],
    ["ingress: [{toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {dns: []}}]}]", /ports\.0\.protocol: L7 rules can only apply to TCP \(not UDP\)/],
  ];
  for (const [rule, want] of refused) {
    const l = load({ "p.yaml": withPolicies(cnp("l7", `  endpointSelector: {}\n  ${rule}`)) });
    assert.match(l.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), want, rule);
    assert.deepEqual(l.inventory.policies, [], `${rule}: none of it is enforced`);
  }
  const emptyDns = load({ "p.yaml": withPolicies(cnp("l7", "  endpointSelector: {}\n  ingress: [{toPorts: [{ports: [{port: '53', protocol: TCP}], rules: {dns: []}}]}]")) });
  assert.deepEqual(emptyDns.diagnostics.errors.map((d) => d.message), [], "dns: [] on ingress is no DNS rule");
});

// repository.go computePolicyEnforcementAndRules: "if lbls.Has(labels.IDNameHost) && !option.Config.
// EnableHostFirewall" no policy applies to the host; cnp_types.go Parse: a CiliumNetworkPolicy "rule cannot
// have NodeSelector". (Host policies under the host firewall: test/sources/cilium-host-firewall.test.ts.)
test("host policies: not enforced without the host firewall (a warning); refused in a namespaced policy", () => {
  const config = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
  const host = "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: h}\nspec:\n  nodeSelector: {}\n  ingress: [{fromEntities: [cluster]}]";
  for (const [yaml, want] of [[withPolicies(config("cluster-name: c1"), host, cnp("pods", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress: [{}]")), /which kube-system\/cilium-config does not set/], [withPolicies(host, cnp("pods", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress: [{}]")), /no ConfigMap cilium-config/]] as const) {
    const off = load({ "p.yaml": yaml });
    assert.deepEqual(off.diagnostics.errors, []);
    assert.match(off.diagnostics.items.map((d) => `${d.severity} ${d.field?.join(".")}: ${d.message}`).join("\n"), /warning spec\.nodeSelector: a host policy \(nodeSelector\) is enforced only under the agent's enable-host-firewall/);
    assert.match(off.diagnostics.items.map((d) => d.message).join("\n"), want);
    assert.equal(off.inventory.policies.filter((p) => p.name.startsWith("h")).length, 0, "the host policy is left out");
    assert.equal(verdict(new PolicyEngine(off.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "deny", "the object's other policies stand");
  }
  const namespaced = load({ "p.yaml": withPolicies(cnp("nsel", "  nodeSelector: {}\n  ingress: [{}]\nspecs:\n- endpointSelector: {}\n  ingress: [{}]")) });
  assert.match(namespaced.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.nodeSelector: a CiliumNetworkPolicy rule cannot have a nodeSelector/);
  assert.deepEqual(namespaced.inventory.policies, [], "none of it is enforced");
});

// pkg/policy (evaluateDefaultDenyForRule): "Since Non Default Deny Policies is disabled by flag, DefaultDeny
// is enabled": enableDefaultDeny false counts only under enable-non-default-deny-policies (Helm default
// true). enable-k8s-networkpolicy false: the agent does not enforce NetworkPolicies.
test("enable-non-default-deny-policies false isolates what enableDefaultDeny leaves open; enable-k8s-networkpolicy false drops NetworkPolicies", () => {
  const config = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
  const open = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: open, namespace: x}\nspecs:\n- endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingress: [{fromEndpoints: [{matchLabels: {pod: b}}]}]\n- endpointSelector: {matchLabels: {pod: c}}\n  enableDefaultDeny: {egress: false}\n  egressDeny: [{toEndpoints: [{matchLabels: {pod: a}}]}]";
  for (const [data, isolated] of [["enable-non-default-deny-policies: 'true'", false], ["cluster-name: c1", false], ["enable-non-default-deny-policies: 'false'", true]] as const) {
    const l = load({ "p.yaml": withPolicies(config(data), open) });
    assert.deepEqual(l.diagnostics.errors, []);
    const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
    assert.equal(verdict(e, "x/b", "x/a", 80), "allow", data);
    assert.equal(verdict(e, "z/b", "x/a", 80), isolated ? "deny" : "allow", `${data}: x/a's ingress`);
    assert.equal(verdict(e, "x/c", "x/b", 80), isolated ? "deny" : "allow", `${data}: x/c's egress`);
    assert.equal(verdict(e, "x/c", "x/a", 80), "deny", `${data}: the egress deny`);
    assertAgree(new FastConnectivity(e), podsAnd(l.inventory), data);
  }
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress]";
  const off = load({ "p.yaml": withPolicies(config("enable-k8s-networkpolicy: 'false'"), np) });
  assert.equal(verdict(new PolicyEngine(off.inventory, DEFAULT_OPTIONS), "x/b", "x/a", 80), "allow", "the NetworkPolicy is not enforced");
  assert.equal(verdict(engineFor(withPolicies(config("enable-k8s-networkpolicy: 'true'"), np)), "x/b", "x/a", 80), "deny");
});

// repository.go computePolicyEnforcementAndRules: under enable-policy never ("return false, false,
// false, false, nil") no rule is enforced, whatever enable-non-default-deny-policies says: the
// isolating part that option gives an enableDefaultDeny: false direction is not enforced either.
test("enable-policy never with enable-non-default-deny-policies false: an enableDefaultDeny false direction isolates nothing", () => {
  const config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {enable-policy: never, enable-non-default-deny-policies: 'false'}";
  const open = cnp("open", "  endpointSelector: {matchLabels: {pod: a}}\n  enableDefaultDeny: {ingress: false}\n  ingress: [{fromEndpoints: [{matchLabels: {pod: b}}]}]");
  const l = load({ "p.yaml": withPolicies(config, open) });
  assert.deepEqual(l.inventory.policies.map((p) => `${p.kind} ${p.name}`), [], "the agent enforces none of it");
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "z/b", "x/a", 80), "allow");
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow");
});

// pkg/policy/k8s/service.go processRule: a Service with a selector becomes a generated toEndpoints
// (its selector in its namespace), one without (IsExternal) a generated toCIDRSet of its endpoints'
// addresses; serviceRefMatches/serviceSelectorMatches: no namespace matches every namespace. The
// rule's toPorts apply, not the Service's ports. toServices was an error (--lenient: every peer).
test("toServices: a Service with a selector is its pods, one without its endpoints' addresses (outside the cluster only)", () => {
  const svc = (ns: string, name: string, extra: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: '${ns}', labels: {tier: ${name}}}\nspec: {ports: [{port: 80}]${extra}}`;
  const slice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: ext-1, namespace: z, labels: {kubernetes.io/service-name: ext}}\naddressType: IPv4\nendpoints: [{addresses: [9.9.9.9, 10.0.2.1]}]\nports: [{port: 443}]";
  const yaml = withPolicies(svc("y", "web", ", selector: {pod: b}"), svc("z", "ext", ""), slice,
    cnp("s", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toServices: [{k8sService: {serviceName: web, namespace: 'y'}}]\n  - toServices: [{k8sServiceSelector: {selector: {matchLabels: {tier: ext}}}}]\n    toPorts: [{ports: [{port: '443', protocol: TCP}]}]"));
  const l = load({ "s.yaml": yaml });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "y/b", 81), "allow", "the Service's pods, on every port (no toPorts)");
  assert.equal(verdict(e, "x/a", "y/c", 80), "deny");
  assert.equal(verdict(e, "x/a", "x/b", 80), "deny", "the Service's namespace only");
  assert.equal(verdict(e, "x/a", "ip:9.9.9.9", 443), "allow", "a selectorless Service's endpoint address");
  assert.equal(verdict(e, "x/a", "ip:9.9.9.9", 80), "deny", "the rule's toPorts");
  assert.equal(verdict(e, "x/a", "y/a", 443), "deny", "10.0.2.1 is a pod: a CIDR rule does not match it");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory, "9.9.9.9"), "toServices");
  // No Service: nothing; without a namespace: a warning naming every namespace's Service of that name.
  const none = load({ "n.yaml": withPolicies(svc("y", "web", ", selector: {pod: b}"), svc("z", "web", ", selector: {pod: c}"), cnp("s", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toServices: [{k8sService: {serviceName: web}}]\n  - toServices: [{k8sService: {serviceName: gone, namespace: x}}]")) });
  const en = new PolicyEngine(none.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(en, "x/a", "y/b", 80), "allow");
  assert.equal(verdict(en, "x/a", "z/c", 80), "allow");
  assert.equal(verdict(en, "x/a", "x/b", 80), "deny");
  const warned = none.diagnostics.items.map((d) => d.message).join("\n");
  assert.match(warned, /in every namespace .*y\/web, z\/web/);
  assert.match(warned, /no Service of the input is named x\/gone/);
});

// pkg/policy/k8s/service.go: appendSelector turns the Service's selector into a generated toEndpoints
// selector, matched against identities (a label the identity filter leaves out, such as
// statefulset.kubernetes.io/pod-name, never holds); serviceSelectorMatches looks the Service's labels
// up by key, "label source is ignored" (k8s:tier is tier).
test("toServices: the Service's selector is matched through the identity label filter; k8sServiceSelector keys lose their source", () => {
  const pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: s0, namespace: 'y', labels: {pod: s, statefulset.kubernetes.io/pod-name: s-0}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.9.1}";
  const svc = (name: string, sel: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: 'y', labels: {tier: ${name}}}\nspec: {ports: [{port: 80}], selector: ${sel}}`;
  const l = load({ "s.yaml": withPolicies(pod, svc("one", "{statefulset.kubernetes.io/pod-name: s-0}"), svc("all", "{pod: s}"),
    cnp("s", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toServices: [{k8sService: {serviceName: one, namespace: 'y'}}]\n  - toServices: [{k8sServiceSelector: {selector: {matchLabels: {'k8s:tier': all}}}}]\n    toPorts: [{ports: [{port: '443', protocol: TCP}]}]")) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "y/s0", 80), "deny", "the per-pod Service's selector names a label of no identity: it selects nothing");
  assert.equal(verdict(e, "x/a", "y/s0", 443), "allow", "k8s:tier matches the Service label tier");
  assert.match(l.diagnostics.items.map((d) => d.message).join("\n"), /statefulset\.kubernetes\.io\/pod-name: no label of Cilium's identities .* this selector selects nothing/);
});

// pkg/policy/api/cidr.go GetAsEndpointSelectors: a cidrGroupRef (or cidrGroupSelector) selects the
// CiliumCIDRGroup's externalCIDRs (its label on them), except as prefixes left out. It was an error.
test("toCIDRSet cidrGroupRef and cidrGroupSelector: the CiliumCIDRGroup's externalCIDRs, less except", () => {
  const group = (name: string, cidrs: string) => `apiVersion: cilium.io/v2\nkind: CiliumCIDRGroup\nmetadata: {name: ${name}, labels: {env: ${name}}}\nspec: {externalCIDRs: [${cidrs}]}`;
  const l = load({ "g.yaml": withPolicies(group("one", "1.1.1.0/24"), group("two", "2.2.2.0/24"),
    cnp("g", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toCIDRSet: [{cidrGroupRef: one, except: [1.1.1.1/32]}]\n  - toCIDRSet: [{cidrGroupSelector: {matchLabels: {env: two}}}]\n  - toCIDRSet: [{cidrGroupRef: missing}]")) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  assert.match(l.diagnostics.items.map((d) => d.message).join("\n"), /no CiliumCIDRGroup missing in the input/);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "ip:1.1.1.2", 80), "allow");
  assert.equal(verdict(e, "x/a", "ip:1.1.1.1", 80), "deny", "except");
  assert.equal(verdict(e, "x/a", "ip:2.2.2.2", 80), "allow", "by the group's labels");
  assert.equal(verdict(e, "x/a", "ip:3.3.3.3", 80), "deny");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory, "1.1.1.1", "1.1.1.2", "2.2.2.2"), "cidr groups");
});

// pkg/policy/k8s cilium_network_policy.go onUpsert: `if cnp.RequiresDerivative() { return nil }`; the
// operator writes NAME-togroups-UID (labels io.cilium.network.policy.kind: derivative, parent.uuid: UID).
test("toGroups: the agent enforces the operator's derivative, not the policy; without it an error, and --lenient never allows by it", () => {
  const parent = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: g, namespace: x, uid: u-1}\nspec:\n  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toGroups: [{aws: {securityGroupsIds: [sg-1]}}]\n  egressDeny:\n  - toGroups: [{aws: {securityGroupsIds: [sg-2]}}]";
  const alone = load({ "p.yaml": withPolicies(parent) });
  assert.match(alone.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /spec\.egress\.0\.toGroups: toGroups: the Cilium agent does not enforce CiliumNetworkPolicy x\/g itself/);
  const lenient = new PolicyEngine(alone.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(lenient, "x/a", "ip:8.8.8.8", 80), "deny", "was allowed: the groups were dropped, leaving an L4-only rule");
  assert.equal(verdict(lenient, "x/a", "y/b", 80), "deny");
  const derivative = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: g-togroups-u-1, namespace: x, labels: {io.cilium.network.policy.kind: derivative, io.cilium.network.policy.parent.uuid: u-1}}\nspec:\n  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toCIDRSet: [{cidr: 8.8.8.0/24}]";
  const both = load({ "p.yaml": withPolicies(parent, derivative) });
  assert.deepEqual(both.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(both.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "ip:8.8.8.8", 80), "allow", "the derivative's CIDRs");
  assert.equal(verdict(e, "x/a", "ip:9.9.9.9", 80), "deny");
  assert.deepEqual(both.inventory.policies.map((p) => p.name), ["g-togroups-u-1"]);
});

// pkg/policy/rule.go mergeIngress: an L3-only rule is merged only with selectors (`toPorts.Len() == 0
// && icmp.Len() == 0 && len(fromEndpoints) > 0`), the wildcard peer only per toPorts/icmps entry. A
// rule with neither L3 nor L4 (`{toPorts: []}`, `{icmps: []}`, an authentication or a removed
// fromRequires alone) allowed every peer on every port; it allows nothing, as `{}`.
test("a rule with no L3 member and no toPorts or icmps entry matches nothing ({toPorts: []} allowed everything)", () => {
  for (const rule of ["{toPorts: []}", "{icmps: []}", "{authentication: {mode: disabled}}", "{}"]) {
    const e = engineFor(withPolicies(cnp("r", `  endpointSelector: {matchLabels: {pod: a}}\n  ingress: [${rule}]`)));
    assert.equal(verdict(e, "x/b", "x/a", 80), "deny", rule);
  }
  const l4 = engineFor(withPolicies(cnp("r", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress: [{toPorts: [{ports: [{port: '80'}]}]}, {fromEndpoints: [{matchLabels: {pod: c}}], toPorts: []}]")));
  assert.equal(verdict(l4, "y/b", "x/a", 80), "allow", "an L4-only rule: every peer");
  assert.equal(verdict(l4, "x/c", "x/a", 81), "allow", "toPorts: [] beside peers: every port");
  assert.equal(verdict(l4, "x/b", "x/a", 81), "deny");
});

// pkg/policy/rules.go (up to 1.18) resolveL4IngressPolicy: the fromRequires of every rule selecting the
// endpoint are appended to every fromEndpoints selector of every allow rule selecting it, NetworkPolicy
// peers included, entity/CIDR/L4-only rules not (GetSourceEndpointSelectorsWithRequirements); each is
// read as a peer selector, so its policy's namespace (utils.go getEndpointSelector). 1.19 removed them
// (the CRD's maxItems 0). The release is the agent DaemonSet's image tag. Both were an error.
test("fromRequires/toRequires: up to Cilium 1.18 (the agent DaemonSet's image) ANDed into every fromEndpoints/toEndpoints selector of every rule selecting the endpoint; 1.19 or no release shown: an error", () => {
  const ds = (tag: string) => `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: cilium}}\n  template:\n    metadata: {labels: {k8s-app: cilium}}\n    spec: {containers: [{name: cilium-agent, image: 'quay.io/cilium/cilium:${tag}@sha256:0123'}]}`;
  const req = cnp("req", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress: [{fromRequires: [{matchLabels: {pod: b}}]}]\n  egress: [{toRequires: [{matchLabels: {pod: c}}], toPorts: [{ports: [{port: '53'}]}]}]");
  const allow = cnp("allow", "  endpointSelector: {}\n  ingress: [{fromEndpoints: [{}]}, {fromCIDR: [203.0.113.0/24]}]\n  egress: [{toEndpoints: [{}]}]");
  const np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-y, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: 'y'}}}]}]";
  const l = load({ "r.yaml": withPolicies(ds("v1.18.4"), req, allow, np) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/b", "x/a", 80), "allow", "x/b meets the requirement");
  assert.equal(verdict(e, "x/c", "x/a", 80), "deny", "fromEndpoints [{}] narrowed to pod b for x/a");
  assert.equal(verdict(e, "x/c", "x/b", 80), "allow", "x/b is not selected by the requirement's policy");
  assert.equal(verdict(e, "y/b", "x/a", 80), "deny", "the NetworkPolicy's peer narrowed too, to pod b of namespace x (the requirement's policy's namespace)");
  assert.equal(verdict(e, "y/b", "x/c", 80), "allow");
  assert.equal(verdict(e, "ip:203.0.113.9", "x/a", 80), "allow", "a CIDR rule is not narrowed");
  assert.equal(verdict(e, "x/a", "x/b", 80), "deny", "toRequires: toEndpoints [{}] narrowed to pod c");
  assert.equal(verdict(e, "x/a", "x/c", 80), "allow");
  assert.equal(verdict(e, "x/b", "x/a", 53), "allow");
  assertAgree(new FastConnectivity(e), podsAnd(l.inventory, "203.0.113.9"), "requires");
  for (const [docs, re] of [[[req, allow], /the input does not show the agent's release/], [[ds("v1.19.0"), req, allow], /fromRequires was removed in Cilium 1\.19 \(image quay\.io\/cilium\/cilium:v1\.19\.0@sha256:0123 of DaemonSet kube-system\/cilium;/]] as const) {
    const refused = load({ "r.yaml": withPolicies(...docs) });
    assert.match(refused.diagnostics.errors.map((d) => d.message).join("\n"), re);
  }
});

// pkg/fqdn: the DNS proxy fills the lookup cache from the lookups it lets through, and toFQDNs selects
// those addresses: known only at run time. Junction matched no address by them, silently.
test("toFQDNs: no address matches it offline, and a warning says that an address the name resolved to would be allowed", () => {
  const l = load({ "f.yaml": withPolicies(cnp("f", "  endpointSelector: {matchLabels: {pod: a}}\n  egress:\n  - toFQDNs: [{matchName: example.com}, {matchPattern: '*.example.org'}]\n    toPorts: [{ports: [{port: '443', protocol: TCP}]}]")) });
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/a", "ip:93.184.216.34", 443), "deny");
  assert.match(l.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message).join("\n"), /toFQDNs example\.com, \*\.example\.org: Cilium allows the addresses its DNS proxy saw these names resolve to .* a connection to an address the name resolved to is answered denied unless another rule allows it/);
});

// rule_validation.go IngressRule/EgressRule.Validate: "L7 policy is not supported since L7 proxy is not
// enabled" and (deny rules too) "ICMP rules can only be applied when the "enable-icmp-rules" flag is
// set": the agent refuses the policy. Both options were ignored: the policy was enforced.
test("cilium-config enable-l7-proxy or enable-icmp-rules \"false\": a policy with L7 rules, or ICMP rules, is refused and not enforced", () => {
  const config = (data: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata: {${data}}`;
  const l7 = cnp("h", "  endpointSelector: {matchLabels: {pod: a}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {pod: b}}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]");
  const icmp = cnp("i", "  endpointSelector: {matchLabels: {pod: c}}\n  egressDeny:\n  - icmps: [{fields: [{type: 8}]}]");
  const off = load({ "c.yaml": withPolicies(config("enable-l7-proxy: 'false', enable-icmp-rules: 'false'"), l7, icmp) });
  const errors = off.diagnostics.errors.map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(errors, /spec\.ingress\.0\.toPorts\.0\.rules: L7 policy is not supported since L7 proxy is not enabled .*Cilium refuses the policy/);
  assert.match(errors, /spec\.egressDeny\.0\.icmps: ICMP rules can only be applied when the "enable-icmp-rules" flag is set/);
  const lenient = new PolicyEngine(off.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(lenient, "y/c", "x/a", 80), "allow", "the refused policy isolates nothing");
  assert.equal(verdict(lenient, "x/c", "y/c", 80), "allow", "the refused deny-only policy isolates nothing");
  const on = load({ "c.yaml": withPolicies(config("enable-l7-proxy: 'true'"), l7, icmp) });
  assert.deepEqual(on.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(on.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "y/c", "x/a", 80), "deny");
  assert.equal(verdict(e, "x/c", "y/c", 80), "deny", "egressDeny alone enables default deny");
});

// settle ran before the deferred step that adds toServices' peers, so settleRequires never narrowed them (a
// wrong allow), and a rule it rebuilt (a split policy's) lost them (a wrong deny): they are added first now.
test("toRequires narrows toServices' generated selector too, and a rule the requirement rebuilds keeps its toServices peers (was: allowed to pod b; denied to pod c)", () => {
  const ds = `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: cilium, namespace: kube-system}\nspec:\n  selector: {matchLabels: {k8s-app: cilium}}\n  template:\n    metadata: {labels: {k8s-app: cilium}}\n    spec: {containers: [{name: cilium-agent, image: 'quay.io/cilium/cilium:v1.18.4'}]}`;
  const req = cnp("req", "  endpointSelector: {matchLabels: {pod: a}}\n  egress: [{toRequires: [{matchLabels: {pod: c}}], toPorts: [{ports: [{port: '53'}]}]}]");
  const svc = (name: string, pod: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: x}\nspec: {selector: {pod: ${pod}}, ports: [{port: 80}]}`;
  const allow = cnp("allow", "  endpointSelector: {}\n  egress: [{toServices: [{k8sService: {serviceName: to-b, namespace: x}}]}]");
  const l = load({ "r.yaml": withPolicies(ds, req, svc("to-b", "b"), allow) });
  assert.deepEqual(l.diagnostics.errors.map((d) => d.message), []);
  const e = new PolicyEngine(l.inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e, "x/c", "x/b", 80), "allow", "x/c is not selected by the requirement's policy");
  assert.equal(verdict(e, "x/a", "x/b", 80), "deny", "toServices' selector narrowed to pod c (was allow)");
  const both = cnp("allow", "  endpointSelector: {}\n  egress: [{toEndpoints: [{matchLabels: {pod: b}}]}, {toServices: [{k8sService: {serviceName: to-c, namespace: x}}]}]");
  const e2 = new PolicyEngine(load({ "r.yaml": withPolicies(ds, req, svc("to-c", "c"), both) }).inventory, DEFAULT_OPTIONS);
  assert.equal(verdict(e2, "x/a", "x/c", 80), "allow", "pod c meets the requirement (was deny: the rebuilt rule had lost the Service's peer)");
  assert.equal(verdict(e2, "x/a", "x/b", 80), "deny", "toEndpoints pod b narrowed by pod c: none");
  assert.equal(verdict(e2, "x/c", "x/b", 80), "allow", "x/c is not selected by the requirement's policy");
});

// pkg/policy/api/entity.go ParseAdditionalEntitySelectors: the agent's policy-entity-selectors option appends label
// selectors to the entities; it was ignored without a word.
test("cilium-config policy-entity-selectors: a warning that the entities are read with their built-in selectors", () => {
  const config = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata:\n  policy-entity-selectors: '{"kube-apiserver": {"matchLabels": {"app": "konnectivity-agent"}}}'`;
  const l = load({ "c.yaml": withPolicies(config) });
  assert.match(l.diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n"), /data\.policy-entity-selectors: policy-entity-selectors adds label selectors to the entities/);
});

// daemon flags PolicyAuditModeArg, "Enable policy audit (non-drop) mode": the agent lets through what its
// policies deny (an audit verdict); it was ignored without a word.
test("cilium-config policy-audit-mode: a warning that the cluster lets through what the policies deny", () => {
  const config = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cilium-config, namespace: kube-system}\ndata:\n  policy-audit-mode: '${v}'`;
  const warnings = (v: string) => load({ "c.yaml": withPolicies(config(v)) }).diagnostics.items.filter((d) => d.severity === "warning").map((d) => `${d.field?.join(".")}: ${d.message}`).join("\n");
  assert.match(warnings("true"), /data\.policy-audit-mode: policy-audit-mode: the agent logs an audit verdict for a packet its policies deny and lets it through/);
  assert.doesNotMatch(warnings("false"), /policy-audit-mode/);
});
