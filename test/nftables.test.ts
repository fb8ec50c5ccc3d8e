// The nftables back end: golden rulesets (checked by `nft -c` where nftables runs), and the
// generated rules evaluated packet by packet against the engine's verdict, on fixed and random policies.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { PolicyEngine } from "../src/engine/verdict.js";
import type { Party } from "../src/engine/match.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import type { Endpoint } from "../src/model/endpoint.js";
import { addressKey, parseAddress, type Address } from "../src/model/ip.js";
import type { Action, Direction, Peer, Policy, Rule, Tier } from "../src/model/policy.js";
import type { PortMatch, Protocol } from "../src/model/ports.js";
import { selector } from "../src/model/selector.js";
import { compileHost } from "../src/targets/nftables/host.js";
import { compileLab } from "../src/targets/nftables/lab.js";
import { renderTable } from "../src/targets/nftables/ruleset.js";
import { checkTable } from "../src/lab/nft.js";
import { nftCapability } from "../src/lab/exec.js";
import { cli, load } from "./helpers.js";
import { withPolicies } from "./fixtures/e2e-model.js";
import { billingPolicies, cidr, estateYaml, inNamespaces, rule } from "./fixtures/hosts.js";
import { NftProgram } from "./nft-interpreter.js";
import { assertGolden } from "./golden.js";

const GOLDEN = fileURLToPath(new URL("../../test/golden/nftables/", import.meta.url));
const nft = nftCapability();

const golden = (name: string, text: string) => assertGolden(`nftables/${name}`, text);


function estate(policies: Policy[]): PolicyEngine {
  const loaded = load({ "estate.yaml": estateYaml() });
  assert.deepEqual(loaded.diagnostics.errors, []);
  loaded.inventory.policies.push(...policies);
  return new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
}

function endpoint(engine: PolicyEngine, kind: string, ns: string, name: string): Endpoint {
  return engine.inventory.endpoints.find((e) => e.kind === kind && e.namespace === ns && e.name === name)!;
}

const EXTERNAL = ["10.1.2.3", "169.254.169.254", "203.0.113.7", "8.8.8.8", "2001:db8::99"].map((a) => parseAddress(a)!);
const PORTS: [Protocol | "ICMP", number][] = [["TCP", 80], ["TCP", 81], ["UDP", 80], ["SCTP", 81], ["TCP", 22], ["TCP", 5432], ["TCP", 6432], ["TCP", 9187],
  ["TCP", 443], ["UDP", 53], ["TCP", 10255], ["TCP", 1], ["TCP", 65535], ["UDP", 0], ["ICMP", 0]];

/** Every remote address × port × direction: the ruleset's verdict equals the engine's. Returns the number of packets compared. */
function agreeWithEngine(engine: PolicyEngine, host: Endpoint, text: string): number {
  const prog = new NftProgram(text);
  const remotes: Address[] = [...engine.inventory.endpoints.flatMap((e) => e.addresses), ...EXTERNAL];
  let n = 0;
  for (const remote of remotes) {
    const owner = engine.index.byAddress.get(addressKey(remote));
    if (owner === host) continue;
    const local = host.addresses.find((a) => a.family === remote.family);
    if (!local) continue;
    for (const [proto, port] of PORTS) {
      for (const direction of ["ingress", "egress"] as Direction[]) {
        const remoteParty: Party = { endpoint: owner, address: remote }, hostParty: Party = { endpoint: host, address: local };
        const [src, dst] = direction === "ingress" ? [remoteParty, hostParty] : [hostParty, remoteParty];
        const expected: boolean = proto === "ICMP" ? icmpVerdict(engine, direction, hostParty, remoteParty) : engine.decide(direction, hostParty, remoteParty,
          { src, dst, protocol: proto, port }, dst.endpoint?.ports ?? []).allowed;
        const got = prog.run(direction === "ingress" ? "host_in" : "host_out", { saddr: src.address!, daddr: dst.address!, proto: proto.toLowerCase(), dport: port });
        n++;
        assert.equal(got !== "drop", expected, `${direction} ${proto}/${port} ${direction === "ingress" ? "from" : "to"} ${owner ? `${owner.namespace}/${owner.name}` : ""} ${remote.value}: ruleset ${got}, engine ${expected ? "allow" : "deny"}`);
      }
    }
  }
  return n;
}

/** Other protocols: only rules without ports match them. The engine has no ICMP flows, so ask it with a rule filter. */
function icmpVerdict(engine: PolicyEngine, direction: Direction, host: Party, remote: Party): boolean {
  const portless = engine.inventory.policies.map((p) => ({ ...p, ingress: p.ingress?.map((r) => ({ ...r, ports: r.ports ? [] : undefined })), egress: p.egress?.map((r) => ({ ...r, ports: r.ports ? [] : undefined })) }));
  const alt = new PolicyEngine({ ...engine.inventory, policies: portless }, engine.options);
  const flow = direction === "ingress" ? { src: remote, dst: host } : { src: host, dst: remote };
  return alt.decide(direction, host, remote, { ...flow, protocol: "TCP", port: 1 }, []).allowed;
}

test("host ruleset of a VM selected in every tier: golden, nft -c, and the engine's verdict for every packet", () => {
  const engine = estate(billingPolicies());
  const host = endpoint(engine, "workload", "legacy", "billing-db");
  const r = compileHost(engine, host, [{ protocol: "TCP", port: 22 }]);
  const text = renderTable(r.table);
  golden("billing-db.nft", text);
  assert.equal(renderTable(compileHost(engine, host, [{ protocol: "TCP", port: 22 }]).table), text, "compiling twice gives the same text");
  assert.match(text, /resolved to their addresses at compile time/);
  const packets = agreeWithEngine(engine, host, text);
  assert.ok(packets > 400, `${packets} packets compared`);
});

test("pod ruleset from NetworkPolicy and AdminNetworkPolicy manifests: golden and engine agreement", () => {
  const yaml = withPolicies(readFileSync(GOLDEN + "../inputs/x-a-policies.yaml", "utf8"));
  const loaded = load({ "e2e.yaml": yaml });
  assert.deepEqual(loaded.diagnostics.errors, []);
  const engine = new PolicyEngine(loaded.inventory, DEFAULT_OPTIONS);
  const host = endpoint(engine, "pod", "x", "a");
  const text = renderTable(compileHost(engine, host, []).table);
  golden("x-a.nft", text);
  assert.doesNotMatch(text, /comment "failsafe"/);
  agreeWithEngine(engine, host, text);
});

test("a lab's bridge ruleset: per-pod chains dispatched by address; golden, nft -c, egress then ingress as the engine", () => {
  const yaml = withPolicies(readFileSync(GOLDEN + "../inputs/x-a-policies.yaml", "utf8"));
  const engine = new PolicyEngine(load({ "e2e.yaml": yaml }).inventory, DEFAULT_OPTIONS);
  const members = engine.inventory.endpoints.filter((e) => e.kind === "pod");
  const text = renderTable(compileLab(engine, members).table);
  golden("lab-e2e.nft", text);
  const prog = new NftProgram(text);
  for (const src of members) {
    for (const dst of members) {
      if (src === dst) continue;
      for (const [proto, port] of [["TCP", 80], ["TCP", 81], ["UDP", 81], ["SCTP", 80]] as const) {
        const packet = { saddr: src.addresses[0], daddr: dst.addresses[0], proto: proto.toLowerCase(), dport: port };
        const verdict = [prog.run("lab_egress", packet), prog.run("lab_ingress", packet)].includes("drop") ? "deny" : "allow";
        const v = engine.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: proto, port });
        assert.equal(verdict, v.allowed ? "allow" : "deny", `${src.namespace}/${src.name} -> ${dst.namespace}/${dst.name} ${proto}/${port}`);
      }
    }
  }
});

test("every golden ruleset is accepted by nft -c (the kernel's check, in a throwaway network namespace)", { skip: nft.ok ? false : nft.missing.join("; ") }, () => {
  const names = readdirSync(GOLDEN).filter((n) => n.endsWith(".nft"));
  assert.ok(names.length >= 3);
  for (const name of names) {
    const r = checkTable(readFileSync(GOLDEN + name, "utf8"));
    assert.equal(r.code, 0, `nft -c rejected ${name}:\n${r.stderr}`);
  }
});

test("size grows with distinct peers and ports, not with pairs", () => {
  // 200 policies, each allowing one distinct pod on port 80: one class chain, one address map.
  const x = inNamespaces({ ns: "x" });
  const policies: Policy[] = Array.from({ length: 200 }, (_, i) => ({
    kind: "TrafficPolicy", name: `p${i}`, namespace: "legacy", tier: "namespace", priority: 0,
    subject: inNamespaces({ "kubernetes.io/metadata.name": "legacy" }, { app: "billing-db" }),
    ingress: [rule("ingress", 0, { action: "allow", peers: [cidr(`10.9.${i >> 8}.${i & 255}/32`)], ports: [{ kind: "range", protocol: "TCP", first: 80, last: 80 }] })],
  }));
  policies.push({ ...policies[0], name: "from-x", ingress: [rule("ingress", 0, { action: "allow", peers: [{ kind: "endpoints", selector: x }], ports: [{ kind: "range", protocol: "TCP", first: 81, last: 81 }] })] });
  const engine = estate(policies);
  const host = endpoint(engine, "workload", "legacy", "billing-db");
  const table = compileHost(engine, host, []).table;
  assert.ok(table.chains.length <= 6, `${table.chains.length} chains`);
  const elements = table.sets.reduce((n, s) => n + s.elements.length, 0);
  assert.ok(elements <= 4, `${elements} set elements: 200 consecutive /32 peers with the same verdict merge into one range`);
  agreeWithEngine(engine, host, renderTable(table));
});

// ---------------------------------------------------------------- random policies

const labelSel = fc.constantFrom<Record<string, string>>({}, { pod: "a" }, { pod: "b" }, { app: "billing-db" }, { app: "batch" });
const nsSel = fc.constantFrom<Record<string, string>>({}, { ns: "x" }, { ns: "y" }, { env: "prod" }, { "kubernetes.io/metadata.name": "legacy" });
const peerArb: fc.Arbitrary<Peer> = fc.oneof(
  fc.record({ ns: nsSel, pods: labelSel, workloads: fc.boolean() }).map(({ ns, pods, workloads }) => ({ kind: "endpoints" as const, selector: inNamespaces(ns, pods, workloads ? ["pod", "workload"] : ["pod"]) })),
  fc.constantFrom(cidr("10.0.0.0/16", "10.0.2.0/24"), cidr("10.0.1.2/32"), cidr("0.0.0.0/0"), cidr("192.0.2.0/24", "192.0.2.10/32"), cidr("::/0"), cidr("2001:db8::/32"), cidr("10.1.0.0/16")),
  fc.constant<Peer>({ kind: "networks", selector: selector({ zone: "partners" }) }),
  fc.constant<Peer>({ ...(cidr("0.0.0.0/0") as Extract<Peer, { kind: "cidr" }>), outside: true }),
  labelSel.map((pods): Peer => ({ kind: "endpoints", selector: { namespaces: { kind: "any" }, labels: selector(pods), kinds: ["workload"] } })),
  fc.constant<Peer>({ kind: "nodes", selector: selector({ role: "worker" }) }),
);
const portArb: fc.Arbitrary<PortMatch> = fc.oneof(
  fc.record({ protocol: fc.constantFrom<Protocol>("TCP", "UDP", "SCTP"), first: fc.constantFrom(1, 22, 80, 81, 443, 5432), span: fc.constantFrom(0, 0, 1, 100) })
    .map(({ protocol, first, span }) => ({ kind: "range" as const, protocol, first, last: Math.min(65535, first + span) })),
  fc.constantFrom<Protocol>("TCP", "UDP").map((protocol) => ({ kind: "protocol" as const, protocol })),
  fc.record({ name: fc.constantFrom("serve-80-tcp", "serve-81-udp", "postgres", "metrics", "nope"), protocol: fc.constantFrom<Protocol | undefined>(undefined, "TCP", "UDP") })
    .map(({ name, protocol }) => ({ kind: "named" as const, name, ...(protocol ? { protocol } : {}) })),
);
const rulesArb = (d: Direction, tier: Tier) => fc.array(fc.record({
  action: tier === "namespace" ? fc.constant<Action>("allow") : fc.constantFrom<Action>("allow", "deny", "pass"),
  peers: fc.option(fc.array(peerArb, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.option(fc.array(portArb, { minLength: 1, maxLength: 2 }), { nil: undefined }),
}), { maxLength: 3 }).map((rs) => rs.map((r, i): Rule => rule(d, i, r)));
const policyArb = fc.constantFrom<Tier>("admin", "namespace", "baseline").chain((tier) => fc.record({
  tier: fc.constant(tier),
  priority: tier === "namespace" ? fc.constant(0) : fc.integer({ min: 0, max: 3 }),
  subject: fc.record({ ns: nsSel, pods: labelSel }).map(({ ns, pods }) => inNamespaces(ns, pods)),
  ingress: fc.option(rulesArb("ingress", tier), { nil: undefined }),
  egress: fc.option(rulesArb("egress", tier), { nil: undefined }),
}));

test("random policies in all three tiers: the compiled ruleset decides every packet as the engine does", () => {
  fc.assert(fc.property(fc.array(policyArb, { maxLength: 6 }), fc.constantFrom("billing-db", "x/a"), (specs, hostName) => {
    const policies = specs.map((s, i): Policy => ({ kind: "TrafficPolicy", name: `p${i}`, namespace: s.tier === "namespace" ? "legacy" : undefined, ...s }));
    const engine = estate(policies);
    const host = hostName === "x/a" ? endpoint(engine, "pod", "x", "a") : endpoint(engine, "workload", "legacy", "billing-db");
    agreeWithEngine(engine, host, renderTable(compileHost(engine, host, []).table));
  }), { numRuns: Number(process.env.JUNCTION_FC_RUNS ?? 150) });
});

test("junction compile --target nftables: --host is required and must name one endpoint; failsafe ports are checked", async () => {
  const r1 = await cli(["compile", "--target", "nftables", "-f", "-"], estateYaml());
  assert.equal(r1.code, 2);
  assert.match(r1.err, /--host NAME is required/);
  const r2 = await cli(["compile", "--target", "nftables", "-f", "-", "--host", "legacy/nope"], estateYaml());
  assert.equal(r2.code, 2);
  assert.match(r2.err, /no Workload named legacy\/nope/);
  const r3 = await cli(["compile", "--target", "nftables", "-f", "-", "--host", "legacy/billing-db", "--failsafe", "tcp/22,http"], estateYaml());
  assert.equal(r3.code, 2);
  assert.match(r3.err, /"http" is not PORT or PROTOCOL\/PORT/);
  const r4 = await cli(["compile", "--target", "nftables", "-f", "-", "--host", "legacy/billing-db", "--failsafe", "2222,udp/68"], estateYaml());
  assert.equal(r4.code, 0, r4.err);
  assert.match(r4.out, /tcp dport 2222 accept comment "failsafe"/);
  assert.match(r4.out, /udp dport 68 accept comment "failsafe"/);
  const r5 = await cli(["compile", "--target", "nftables", "-f", "-", "--host", "worker-1"], estateYaml());
  assert.equal(r5.code, 0, r5.err);
  assert.match(r5.err, /node:worker-1 is not a policy subject/);
  assert.match(r5.out, /tcp dport 22 accept comment "failsafe"/);
});
