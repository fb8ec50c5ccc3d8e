// list's focus flags, --explain and --exposure on a list per network (examples/networks: the shop on
// the pod network, billing on a primary UDN, backup-net a secondary Multus network). np-guard
// (netpol-analyzer, test_outputs/connlist/nad_test_4_focus_workload_pod2_ingress_with_pod3_tcp-80_*,
// cudn_test_6_*_explain_output.txt) filters each network's pairs alike and explains each network in its
// own section, "Specific connections and their reasons in secondary NAD l2-network", closing with
// "*** Note: Connections between any peers from separate isolated networks are denied by default ...".

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";

const NETS = ["list", "-f", "examples/networks"];

/** The "SRC => DST : CONN" lines of each "Permitted connectivity analyzed in ..." section. */
function sections(out: string): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  let current = "";
  for (const line of out.split("\n")) {
    const m = /^Permitted connectivity analyzed in (.*):$/.exec(line);
    if (m) { current = m[1]; result[current] = []; } else if (line.includes(" => ") && current) result[current].push(line);
    if (line.startsWith("Workload-to-Networks")) current = "";
  }
  return result;
}

test("--focus-workload keeps, in every network, only the pairs with that workload", async () => {
  const r = await cli([...NETS, "--focus-workload", "shop/api"]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(sections(r.out), {
    "Pod network": [
      "shop/api[Deployment] => 0.0.0.0-255.255.255.255[External] : All Connections",
      "shop/api[Deployment] => shop/frontend[Deployment] : All Connections",
      "shop/frontend[Deployment] => shop/api[Deployment] : TCP 9090",
    ],
    "secondary NAD backup-net": [
      "billing/ledger[Deployment] => shop/api[Deployment] : All Connections",
      "billing/mainframe[VirtualMachine] => shop/api[Deployment] : All Connections",
      "shop/api[Deployment] => billing/ledger[Deployment] : TCP 5432",
      "shop/api[Deployment] => billing/mainframe[VirtualMachine] : All Connections",
    ],
  });
  assert.match(r.out, /Workload-to-Networks Mapping:/);
});

test("--focus-workload with --focus-direction and --focus-conn, per network, in json with the network column", async () => {
  const r = await cli([...NETS, "--focus-workload", "billing/ledger", "--focus-direction", "ingress", "--focus-conn", "tcp-5432", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  const rows = JSON.parse(r.out).map((e: { network: string; src: string; dst: string; conn: string }) => `${e.network} ${e.src} => ${e.dst} : ${e.conn}`);
  assert.deepEqual(rows, [
    "billing[UDN] billing[udn]/mainframe[VirtualMachine] => billing[udn]/ledger[Deployment] : TCP 5432",
    "backup-net[NAD] billing/mainframe[VirtualMachine] => billing/ledger[Deployment] : TCP 5432",
    "backup-net[NAD] shop/api[Deployment] => billing/ledger[Deployment] : TCP 5432",
  ]);
  const none = await cli([...NETS, "--focus-workload", "billing/ledger", "--focus-direction", "ingress", "--focus-conn", "udp-53", "-o", "json"]);
  assert.deepEqual(JSON.parse(none.out), []);
});

test("--explain explains each pair on its network: a MultiNetworkPolicy decides on backup-net, a NetworkPolicy on the UDN", async () => {
  const r = await cli([...NETS, "--explain", "--focus-workload", "billing/ledger", "--focus-direction", "ingress", "--explain-only", "allow"]);
  assert.equal(r.code, 0, r.err);
  const banners = r.out.split("\n").filter((l) => l.startsWith("# "));
  assert.deepEqual(banners, ["# Specific connections and their reasons in primary UDN billing #", "# Specific connections and their reasons in secondary NAD backup-net #"]);
  const [udn, nad] = r.out.split("# Specific connections and their reasons in secondary NAD backup-net #");
  assert.match(udn, /billing\/mainframe\[VirtualMachine\] => billing\/ledger\[Deployment\]:\n\nAllowed connections:\n\tAllowed TCP 5432 due to:[\s\S]*allowed by NetworkPolicy billing\/ledger-from-mainframe/);
  assert.doesNotMatch(udn, /shop\/api/, "shop/api is not on billing's UDN");
  assert.match(nad, /shop\/api\[Deployment\] => billing\/ledger\[Deployment\]:\n\nAllowed connections:\n\tAllowed TCP 5432 due to:[\s\S]*allowed by MultiNetworkPolicy billing\/ledger-backups/);
  assert.doesNotMatch(nad, /NetworkPolicy billing\/ledger-from-mainframe/, "NetworkPolicies do not apply on a secondary network");
  assert.match(r.out, /\*\*\* Note: Connections between any peers from separate isolated networks are denied by default and therefore not listed in this report.\n$/);
});

test("--explain -o json: each explained pair names its network; --explain-only deny keeps the denied parts", async () => {
  const r = await cli([...NETS, "--explain", "--explain-only", "deny", "--focus-workload", "billing/ledger", "--focus-direction", "ingress", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  const pairs = JSON.parse(r.out).explanation as { network: string; src: string; dst: string; segments: { verdict: string; ingress: { summary: string } }[] }[];
  assert.ok(pairs.length > 0);
  assert.ok(pairs.every((p) => p.segments.every((s) => s.verdict === "deny")));
  const external = pairs.find((p) => p.network === "billing[UDN]" && p.src === "0.0.0.0-255.255.255.255[External]");
  assert.match(external!.segments[0].ingress.summary, /isolated by NetworkPolicy billing\/ledger-from-mainframe/);
  const backup = pairs.find((p) => p.network === "backup-net[NAD]" && p.src === "shop/api[Deployment]");
  assert.match(backup!.segments[0].ingress.summary, /isolated by MultiNetworkPolicy billing\/ledger-backups/);
});

test("--exposure on a list per network covers the pod network's workloads, with a warning", async () => {
  const r = await cli([...NETS, "--exposure", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /warning: --exposure covers the workloads of the pod network only/);
  const doc = JSON.parse(r.out);
  assert.ok(doc.connections.some((e: { network: string }) => e.network === "backup-net[NAD]"), "the connections stay per network");
  const workloads = new Set([...doc.exposure.egress, ...doc.exposure.ingress].map((l: { workload: string }) => l.workload));
  assert.deepEqual([...workloads].sort(), ["shop/api[Deployment]", "shop/frontend[Deployment]"]);
  assert.deepEqual(doc.exposure.unprotected.map((u: { workload: string; direction: string }) => `${u.workload} ${u.direction}`).sort(), [
    "shop/api[Deployment] egress", "shop/frontend[Deployment] egress", "shop/frontend[Deployment] ingress",
  ]);
  const txt = await cli([...NETS, "--exposure"]);
  assert.match(txt.out, /Workload-to-Networks Mapping:[\s\S]*\n\nExposure Analysis Result:\nEgress Exposure:\nshop\/api\[Deployment\] +\t=> \t0\.0\.0\.0-255\.255\.255\.255\[External\] : All Connections\n/);
});

test("bad focus names and --l7 on a list per network are refused (exit 2)", async () => {
  const unknown = await cli([...NETS, "--focus-workload", "billing/ledgr"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /no workload named "billing\/ledgr" in the input/);
  const l7 = await cli([...NETS, "--l7"]);
  assert.equal(l7.code, 2);
  assert.match(l7.err, /--l7 does not apply to a list per network yet/);
});
