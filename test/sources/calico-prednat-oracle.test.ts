// Random Calico preDNAT policies in three tiers (before default, default, after it) on two nodes'
// host endpoints, pods on both nodes and an outside address: explain (engine/query.ts), and for pods
// the plain evaluator's and the fast engine's connections (list, matrix), answered against an oracle
// of felix's chains: mangle PREROUTING ("If packet is from a workload interface, ACCEPT/RETURN it
// immediately"; then the host endpoint of the incoming interface, its failsafe ports first, its
// preDNAT policies tier by tier, by order then name, a Pass skipping the rest of the tier, no match
// going on at the next tier: calc/event_sequencer.go tierInfoToProtoTierInfo, "For untracked and
// preDNAT tiers, DefautlAction must be Pass"); a Deny drops, an Allow accepts (a node's own port:
// the normal host endpoint policy skipped; a pod's: left to the pod's policy, filter FORWARD's
// workload chains), no match leaves the connection to the normal policy.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cli, load } from "../helpers.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";
import { evaluateQuery } from "../../src/engine/query.js";
import { connsHas } from "../../src/model/ports.js";
import type { Party } from "../../src/engine/match.js";
import { parseAddress } from "../../src/model/ip.js";

type Src = "any" | "ns-y" | "net-y" | "outside";
interface R { action: "Allow" | "Deny" | "Pass"; src: Src; port?: number }
interface Pre { tier: "ta" | "default" | "tz"; node: "n1" | "n2" | "both"; order?: number; rules: R[] }
interface Case { pres: Pre[]; np?: "deny-all" | "from-y" }

interface P { name: string; ns?: string; node?: string; ip: string }
const NODES: P[] = [{ name: "n1", node: "n1", ip: "172.18.0.2" }, { name: "n2", node: "n2", ip: "172.18.0.3" }];
const PARTIES: P[] = [
  { name: "web1", ns: "x", node: "n1", ip: "10.0.1.1" }, { name: "web2", ns: "x", node: "n2", ip: "10.0.1.2" },
  { name: "cli", ns: "y", node: "n2", ip: "10.0.2.1" }, { name: "cli1", ns: "y", node: "n1", ip: "10.0.2.2" },
  { name: "out", ip: "198.51.100.7" },
];
const PORTS = [22, 8080, 9090];

const caseArb: fc.Arbitrary<Case> = fc.record({
  pres: fc.array(fc.record({
    tier: fc.constantFrom("ta" as const, "default" as const, "tz" as const),
    node: fc.constantFrom("n1" as const, "n2" as const, "both" as const),
    order: fc.constantFrom(undefined, 1, 10),
    rules: fc.array(fc.record({ action: fc.constantFrom("Allow" as const, "Deny" as const, "Pass" as const), src: fc.constantFrom("any" as const, "ns-y" as const, "net-y" as const, "outside" as const), port: fc.constantFrom(undefined, 8080, 9090) }), { minLength: 1, maxLength: 3 }),
  }), { maxLength: 3 }),
  np: fc.constantFrom(undefined, "deny-all" as const, "from-y" as const),
});

function yaml(c: Case): string {
  const docs = [
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: {ns: x}}", "apiVersion: v1\nkind: Namespace\nmetadata: {name: 'y', labels: {ns: 'y'}}",
    ...[["n1", "172.18.0.2"], ["n2", "172.18.0.3"]].flatMap(([n, ip]) => [
      `apiVersion: v1\nkind: Node\nmetadata: {name: ${n}}\nstatus: {addresses: [{type: InternalIP, address: ${ip}}]}`,
      `apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: ${n}-eth0, labels: {hep: 'yes', node: ${n}}}\nspec: {node: ${n}, interfaceName: eth0, expectedIPs: [${ip}], profiles: [projectcalico-default-allow]}`]),
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: NodePort, clusterIP: 10.96.0.10, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}",
    ...PARTIES.filter((p) => p.ns).map((p) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${p.name}, namespace: '${p.ns}', labels: {app: ${p.ns === "x" ? "web" : p.name}}}\nspec: {nodeName: ${p.node}, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: ${p.ip}}`),
  ];
  const source = (s: Src) => ({ any: "", "ns-y": "namespaceSelector: \"ns == 'y'\"", "net-y": "nets: [10.0.2.0/24]", outside: "nets: [198.51.100.0/24]" })[s];
  docs.push("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: ta}\nspec: {order: 100}", "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: tz}\nspec: {order: 2000000}");
  c.pres.forEach((p, i) => docs.push(`apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${p.tier === "default" ? "" : `${p.tier}.`}pre${i}}\nspec:\n  tier: ${p.tier}\n  selector: ${p.node === "both" ? "has(hep)" : `node == '${p.node}'`}\n${p.order !== undefined ? `  order: ${p.order}\n` : ""}  preDNAT: true\n  applyOnForward: true\n  ingress:\n${p.rules.map((r) => `  - {action: ${r.action}${r.port ? ", protocol: TCP" : ""}, source: {${source(r.src)}}${r.port ? `, destination: {ports: [${r.port}]}` : ""}}`).join("\n")}`));
  if (c.np) docs.push(`apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [${c.np === "from-y" ? "{from: [{namespaceSelector: {matchLabels: {ns: 'y'}}}]}" : ""}]`);
  return docs.join("\n---\n");
}

const matches = (s: Src, src: P) => s === "any" || (s === "ns-y" && src.ns === "y") || (s === "net-y" && src.ip.startsWith("10.0.2.")) || (s === "outside" && src.name === "out");

/** `dst` a pod or a node (NODES), `src` off dst's node for a node. */
function felix(c: Case, src: P, dst: P, port: number, preDnat = true): boolean {
  if (preDnat && src.node !== dst.node && port !== 22) {
    tiers: for (const tier of ["ta", "default", "tz"]) {
      const pres = c.pres.map((p, i) => ({ ...p, name: `${p.tier === "default" ? "" : `${p.tier}.`}pre${i}` })).filter((p) => p.tier === tier && (p.node === "both" || p.node === dst.node))
        .sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity) || (a.name < b.name ? -1 : 1));
      for (const p of pres) {
        const r = p.rules.find((x) => matches(x.src, src) && (x.port === undefined || x.port === port));
        if (!r) continue;
        if (r.action === "Deny") return false;
        if (r.action === "Allow") break tiers; // accepted in mangle: the pod's policy decides
        continue tiers; // Pass: the rest of the tier skipped
      }
    }
  }
  if (dst.ns === "x" && c.np) return c.np === "from-y" && src.ns === "y";
  return true; // (a node: no normal host endpoint policy, the default-allow profile)
}

test("Calico preDNAT on connections to pods: explain, the plain evaluator and the fast engine answer as felix's chains", () => {
  fc.assert(fc.property(caseArb, (c) => {
    const loaded = load({ "t.yaml": yaml(c) });
    assert.deepEqual(loaded.diagnostics.errors.map((e) => e.message), []);
    const engine = new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
    const party = (p: P): Party => p.ns || NODES.includes(p) ? { endpoint: loaded.inventory.endpoints.find((e) => e.name === p.name && e.namespace === p.ns)! } : { address: parseAddress(p.ip)! };
    const explain = (src: P, dst: P, port: number) => {
      const q = evaluateQuery(engine, { kind: "parties", label: src.name, parties: [party(src)] }, { kind: "parties", label: dst.name, parties: [party(dst)] }, port, "TCP");
      assert.ok(q.ok);
      return q.value.allAllowed;
    };
    const where = (src: P, dst: P, port: number) => `${src.name} -> ${dst.name}:${port}\n${yaml(c).split("\n---\n").slice(12).join("\n---\n")}`;
    // Connections to the nodes' addresses (explain: list and matrix have no node peers).
    for (const src of PARTIES) for (const dst of NODES) {
      if (src.node === dst.node) continue;
      for (const port of PORTS) assert.equal(explain(src, dst, port), felix(c, src, dst, port), `explain: ${where(src, dst, port)}`);
    }
    // A Service's cluster IP: kube-proxy translates it on the client's node, so the pod's node sees the
    // pod's address and port (80 -> 8080), from the client (no masquerading here).
    const svc = loaded.inventory.services.find((x) => x.name === "web")!;
    for (const src of PARTIES.filter((p) => p.ns)) {
      const q = evaluateQuery(engine, { kind: "parties", label: src.name, parties: [party(src)] }, { kind: "service", label: "x/web", service: svc }, 80, "TCP");
      assert.ok(q.ok);
      for (const pair of q.value.pairs) {
        const dst = PARTIES.find((p) => p.ns === pair.dst.endpoint?.namespace && p.name === pair.dst.endpoint?.name)!;
        if (dst === src) continue; // (a hairpin: kube-proxy's own case)
        assert.equal(pair.verdict.allowed, felix(c, src, dst, 8080), `Service: ${where(src, dst, 8080)}`);
      }
    }
    // Its node port at n1 from outside: n1's preDNAT policies see port 30080; kube-proxy masquerades
    // (externalTrafficPolicy Cluster), so an endpoint on another node, and that node's preDNAT, see n1.
    const out = PARTIES.find((p) => p.name === "out")!, n1 = NODES[0];
    const q = evaluateQuery(engine, { kind: "parties", label: "out", parties: [party(out)] }, { kind: "parties", label: "n1", parties: [{ endpoint: party(n1).endpoint, address: parseAddress(n1.ip)! }] }, 30080, "TCP");
    assert.ok(q.ok);
    for (const pair of q.value.pairs) {
      const dst = PARTIES.find((p) => p.ns === pair.dst.endpoint?.namespace && p.name === pair.dst.endpoint?.name)!;
      if (!dst) { // (dropped at the node port: the answer's destination is the node)
        assert.equal(pair.verdict.allowed || felix(c, out, n1, 30080), false, `node port dropped: ${where(out, n1, 30080)}`);
        continue;
      }
      // (n1's own endpoint: felix's FORWARD chain judges it before nat POSTROUTING masquerades it, on the
      // client's address; n1's mangle PREROUTING already ran the preDNAT policies, on the node port.)
      const allowed = felix(c, out, n1, 30080) && (dst.node === "n1" ? felix(c, out, dst, 8080, false) : felix(c, n1, dst, 8080));
      assert.equal(pair.verdict.allowed, allowed, `node port to ${dst.name}: ${where(out, n1, 30080)}`);
    }
    const fast = new FastConnectivity(engine), ref = new PairwiseConnectivity(engine);
    for (const src of PARTIES) for (const dst of PARTIES) {
      if (src === dst || !dst.ns) continue;
      for (const port of PORTS) {
        const want = felix(c, src, dst, port), at = where(src, dst, port);
        assert.equal(explain(src, dst, port), want, `explain: ${at}`);
        assert.equal(connsHas(ref.conns(party(src), party(dst)), "TCP", port), want, `plain evaluator: ${at}`);
        assert.equal(connsHas(fast.conns(party(src), party(dst)), "TCP", port), want, `fast engine: ${at}`);
      }
    }
    const groups = PARTIES.map((p) => [party(p)]);
    const rows = (x: { groupConns: PairwiseConnectivity["groupConns"] }) => x.groupConns(groups, () => true).map((g) => `${g.src}->${g.dst}: ${JSON.stringify(g.conns)}`).sort();
    assert.deepEqual(rows(fast), rows(ref), "group pairs (list)");
  }), { numRuns: Number(process.env.RUNS ?? 150), seed: Number(process.env.SEED ?? 26) });
});

// kube-proxy's health check server listens on the node's addresses: a connection to a
// healthCheckNodePort arrives through the node's host endpoint like any other to the host, so felix's
// mangle PREROUTING runs its preDNAT policies first (rules/static.go StaticManglePreroutingChain: every
// packet not from a workload interface). The docs' node port pattern (Deny 30000:32767) drops it;
// explain answered it allowed ("the node's own policies judge the connection", without them).
test("a healthCheckNodePort from outside: the host endpoint's preDNAT Deny drops it", async () => {
  const yaml = [
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}",
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {hep: 'yes'}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [172.18.0.2], profiles: [projectcalico-default-allow]}",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: x, labels: {app: web}}\nspec: {nodeName: n1, containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: 10.0.1.1}",
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: x}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 31999, selector: {app: web}, ports: [{port: 80, targetPort: 8080, nodePort: 30080}]}",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: nodeports}\nspec:\n  selector: has(hep)\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - {action: Allow, protocol: TCP, source: {nets: [198.51.100.0/24]}, destination: {ports: [31999]}}\n  - {action: Deny, protocol: TCP, destination: {ports: ['30000:32767']}}",
  ].join("\n---\n");
  const ask = async (from: string) => (JSON.parse((await cli(["explain", "-f", "-", "--from", from, "--to", "172.18.0.2", "--port", "31999", "-o", "json"], yaml)).out) as { pairs: { verdict: string; service?: { frontend: string } }[] }).pairs[0];
  const denied = await ask("ip:203.0.113.5");
  assert.match(denied.service!.frontend, /health check/);
  assert.equal(denied.verdict, "deny", "dropped in mangle PREROUTING");
  assert.equal((await ask("ip:198.51.100.7")).verdict, "allow", "its Allow accepts");
  assert.equal((await ask("x/web")).verdict, "allow", "the node's own pod: from a workload interface, no preDNAT");
});

// The untracked tiers pass at their end too ("For untracked and preDNAT tiers, DefautlAction must be
// Pass"): a default-tier doNotTrack policy matching nothing isolated the host endpoint in the
// Namespace tier, the walk ended, and the later tier's untracked Deny was missed (a wrong allow).
test("doNotTrack: no match in the default tier goes on at a later tier's untracked Deny", async () => {
  const yaml = [
    "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 172.18.0.2}]}",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: n1-eth0, labels: {hep: 'yes'}}\nspec: {node: n1, interfaceName: eth0, expectedIPs: [172.18.0.2], profiles: [projectcalico-default-allow]}",
    "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: tz}\nspec: {order: 2000000}",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: tz.deny-all}\nspec:\n  tier: tz\n  selector: has(hep)\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Deny}]",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: allow-8080}\nspec:\n  selector: has(hep)\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Allow, protocol: TCP, destination: {ports: [8080]}}]",
  ].join("\n---\n");
  const ask = async (port: number) => (JSON.parse((await cli(["explain", "-f", "-", "--from", "ip:203.0.113.5", "--to", "node:n1", "--port", String(port), "-o", "json"], yaml)).out) as { pairs: { verdict: string }[] }).pairs[0].verdict;
  assert.equal(await ask(9090), "deny", "the default tier passes, tz's untracked Deny drops it");
  assert.equal(await ask(8080), "allow", "the default tier's untracked Allow");
});
