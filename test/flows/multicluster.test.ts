// Several clusters with overlapping address plans and NAT (examples/multicluster): junction ipam,
// compile --target addressgroups, flows from a shared egress NAT address, and agent --addressgroups
// keeping the sets current in the kernel (in a network namespace of the test's own).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync, cpSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";
import { BIN } from "../server/helpers.js";

const EX = "examples/multicluster";
const CLUSTERS = ["-f", `${EX}/clusters.yaml`, "--cluster", `prod-eu=${EX}/prod-eu`, "--cluster", `prod-us=${EX}/prod-us`];

test("ipam: the clusters' identical pod ranges, their shared egress NAT, a VM inside the pod range, a pod outside its cluster's range", async () => {
  const r = await cli(["ipam", ...CLUSTERS, "-o", "json", "-q"]);
  assert.equal(r.code, 0, r.err);
  const rep = JSON.parse(r.out);
  const pods = rep.ranges.filter((x: { role: string }) => x.role === "pods").map((x: { owner: string; pods: number; addresses: number }) => [x.owner, x.pods, x.addresses]);
  assert.deepEqual(pods, [["cluster:prod-eu", 3, 65536], ["cluster:prod-us", 2, 65536]], "each cluster's pods counted in its own range");
  const pairs = rep.overlaps.map((o: { first: { owner: string; role: string }; second: { owner: string; role: string }; common: string }) => `${o.first.owner} ${o.first.role} / ${o.second.owner} ${o.second.role}: ${o.common}`);
  assert.deepEqual(pairs, [
    "cluster:prod-eu pods / cluster:prod-us pods: 10.0.0.0/16",
    "cluster:prod-eu services / cluster:prod-us services: 10.96.0.0/16",
    "cluster:prod-eu egress NAT / cluster:prod-us egress NAT: 198.51.100.7",
    "workload:billing/legacy-vm workload / cluster:prod-eu pods: 10.0.3.3",
    "workload:billing/legacy-vm workload / cluster:prod-us pods: 10.0.3.3",
  ], "the billing VM inside the datacenter Network is not an overlap");
  assert.deepEqual(rep.sharedEgressNAT, [{ range: "198.51.100.7", clusters: ["prod-eu", "prod-us"] }]);
  assert.deepEqual(rep.outside, [{ pod: "prod-us:shop/api-7e9b3-z8v1q", address: "10.1.0.5" }]);
  const bad = await cli(["ipam", "--cluster", "Prod=x"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--cluster Prod=x: "Prod" is not a cluster name/);
});

test("compile --target addressgroups: per application its addresses across both clusters, VMs and networks, as JSON, CSV and nft sets", async () => {
  const j = await cli(["compile", "--target", "addressgroups", ...CLUSTERS, "-o", "json", "-q"]);
  assert.equal(j.code, 0, j.err);
  const groups = JSON.parse(j.out);
  assert.deepEqual(groups.map((g: { app: string; addresses: string[] }) => [g.app, g.addresses]), [
    ["api", ["10.0.2.20/31", "10.1.0.5"]], ["billing", ["10.0.3.3", "192.0.2.15"]], ["datacenter", ["192.0.2.0/24"]], ["web", ["10.0.1.10/31"]],
  ]);
  assert.deepEqual(groups[3].members.map((m: { name: string }) => m.name), ["prod-eu:shop/web-6b7f9-2kq8d", "prod-eu:shop/web-6b7f9-9xw3c", "prod-us:shop/web-5f2a1-h6t4r"], "names gain the cluster when there are several");
  const csv = await cli(["compile", "--target", "addressgroups", ...CLUSTERS, "-o", "csv", "-q"]);
  assert.match(csv.out, /^app,address,member,cluster\napi,10\.0\.2\.20,prod-eu:shop\/api-84c5d-m4n7p,prod-eu\n/);
  const nft = await cli(["compile", "--target", "addressgroups", ...CLUSTERS, "-q"]);
  assert.match(nft.out, /^table inet junction_addressgroups\ndelete table inet junction_addressgroups\n/);
  assert.match(nft.out, /set web_v4 \{\n    # web: 3 members\n    type ipv4_addr; flags interval\n    elements = \{ 10\.0\.1\.10\/31 \}\n  \}/);
  const one = await cli(["compile", "--target", "addressgroups", "-f", `${EX}/clusters.yaml`, "--group-label", "app.kubernetes.io/name", "-o", "json", "-q"]);
  assert.deepEqual(JSON.parse(one.out).map((g: { app: string }) => g.app), ["billing", "datacenter"]);
});

test("flows from an egress NAT address two clusters share are attributed to both clusters, not guessed", async () => {
  const t = tempFiles({ "h.jsonl": '{"junction":"history","version":1}\n', "flows.csv": "time,src,sport,dst,dport,protocol\n2026-12-05T06:00:00Z,198.51.100.7,40000,192.0.2.15,443,tcp\n2026-12-05T06:00:01Z,198.51.100.8,40001,192.0.2.15,443,tcp\n" });
  try {
    const r = await cli(["flows", "--history", `${t.dir}/h.jsonl`, "--flows", `${t.dir}/flows.csv`, "-f", `${EX}/clusters.yaml`, "--view", "records", "-o", "json", "-q"]);
    assert.equal(r.code, 0, r.err);
    const [shared, own] = JSON.parse(r.out);
    assert.deepEqual([shared.src.match, shared.src.candidates, shared.dst.name], ["nat", ["prod-eu:{egress NAT}", "prod-us:{egress NAT}"], "billing/billing-vm[Workload]"]);
    assert.deepEqual([own.src.match, own.src.name], ["nat", "prod-us:{egress NAT}"]);
  } finally { t.cleanup(); }
});

test("policies per cluster: a namespaceSelector sees its own cluster's namespaces; between clusters an ipBlock sees the source's egress NAT address", async () => {
  const r = await cli(["list", ...CLUSTERS, "--focus-conn", "tcp-8080", "-o", "json", "-q"]);
  assert.equal(r.code, 0, r.err);
  const pairs = JSON.parse(r.out).map((c: { src: string; dst: string }) => `${c.src} => ${c.dst}`).filter((x: string) => /=> prod-\w+:shop\/api/.test(x));
  assert.deepEqual(pairs, [
    "10.0.1.0-10.0.1.255[External] => prod-eu:shop/api-84c5d[ReplicaSet]",
    "198.51.100.7-198.51.100.7[External] => prod-us:shop/api-7e9b3[ReplicaSet]",
    "prod-eu:shop/api-84c5d[ReplicaSet] => prod-us:shop/api-7e9b3[ReplicaSet]",
    "prod-eu:shop/web-6b7f9[ReplicaSet] => prod-eu:shop/api-84c5d[ReplicaSet]",
    "prod-eu:shop/web-6b7f9[ReplicaSet] => prod-us:shop/api-7e9b3[ReplicaSet]",
    "prod-us:shop/web-5f2a1[ReplicaSet] => prod-us:shop/api-7e9b3[ReplicaSet]",
  ], "prod-us's web (10.0.1.10, as prod-eu's) reaches prod-eu's api only as 198.51.100.7; prod-eu's web is not a web pod of prod-us's shop");
  const denied = await cli(["explain", ...CLUSTERS, "--from", "prod-us:shop/web-5f2a1-h6t4r", "--to", "prod-eu:shop/api-84c5d-m4n7p", "--port", "8080", "-o", "json", "-q"]);
  assert.equal(denied.code, 1, denied.err);
  const [v] = JSON.parse(denied.out).pairs;
  assert.deepEqual([v.verdict, v.ingress.decidedBy, v.ingress.selecting[0].namespace], ["deny", "isolation", "prod-eu:shop"]);
  const allowed = await cli(["explain", ...CLUSTERS, "--from", "rs:prod-eu:shop/web-6b7f9", "--to", "prod-us:shop/api-7e9b3-p2l5s", "--port", "8080", "-q"]);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.out, /allowed by NetworkPolicy prod-us:shop\/api-from-web, ingress rule 1 \(examples\/multicluster\/prod-us\/policies\.yaml:12\)/);
  const m = await cli(["matrix", ...CLUSTERS, "--port", "8080", "-o", "json", "-q"]);
  assert.equal(m.code, 0, m.err);
  const a = await cli(["analyze", ...CLUSTERS, "-q"]);
  assert.equal(a.code, 0, a.err);
  assert.match(a.out, /prod-us:shop\/web-5f2a1\[ReplicaSet\] => prod-us:shop\/api-7e9b3\[ReplicaSet\] : TCP 8080/);
  assert.doesNotMatch(a.out, /prod-us:shop\/web-5f2a1\[ReplicaSet\] => prod-eu:shop\/api/);
});

test("--cluster on list, explain, analyze, matrix: in --help; a cluster named like no kind is read back; what is not per cluster yet is refused", async () => {
  for (const cmd of ["list", "explain", "analyze", "matrix"]) assert.match((await cli([cmd, "--help"])).out, /--cluster NAME=PATH/, cmd);
  const t = tempFiles({
    "p/pods.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n",
    "g/gw.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.1}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: shop}\nspec: {gatewayClassName: x, listeners: [{name: http, port: 80, protocol: HTTP}]}\n",
  });
  try {
    const r = await cli(["explain", "--cluster", `prod=${t.dir}/p`, "--cluster", `dr=${t.dir}/p`, "--from", "prod:shop/a", "--to", "dr:shop/a", "--port", "80", "-q"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^prod:shop\/a → dr:shop\/a  TCP\/80: ALLOWED/);
    const bad = await cli(["list", "--cluster", `prod=${t.dir}/g`, "--cluster", `dr=${t.dir}/p`, "-q"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--cluster prod: Gateway API and Ingress routing of several clusters are not analysed yet/);
    const lenient = await cli(["list", "--cluster", `prod=${t.dir}/g`, "--cluster", `dr=${t.dir}/p`, "--lenient", "-q"]);
    assert.equal(lenient.code, 0, lenient.err);
    assert.match(lenient.err, /--lenient: left out/);
  } finally { t.cleanup(); }
});

const netnsOk = process.getuid?.() === 0 && spawnSync("unshare", ["-n", "nft", "list", "tables"]).status === 0;
const skip = netnsOk ? false : "needs root, unshare and nft (a network namespace of the test's own)";

test("agent --addressgroups --watch: loads the sets in one nft transaction and reloads them as pods come and go", { skip }, async () => {
  const t = tempFiles({});
  cpSync(EX, `${t.dir}/mc`, { recursive: true });
  const child = spawn("unshare", ["-n", process.execPath, BIN, "agent", "--addressgroups", "-f", `${t.dir}/mc/clusters.yaml`, "--cluster", `prod-eu=${t.dir}/mc/prod-eu`, "--watch", "-q"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  const loaded = (n: number) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out: ${err}`)), 30000);
    const check = () => { if ((err.match(/loaded table inet junction_addressgroups/g) ?? []).length >= n) { clearTimeout(timer); resolve(); } };
    child.stderr.on("data", (d) => { err += d; check(); });
    check();
  });
  const list = () => spawnSync("nsenter", ["-t", String(child.pid), "-n", "nft", "list", "set", "inet", "junction_addressgroups", "web_v4"], { encoding: "utf8" }).stdout;
  try {
    await loaded(1);
    assert.match(list(), /elements = \{ 10\.0\.1\.10\/31 \}/);
    const pods = JSON.parse(readFileSync(`${t.dir}/mc/prod-eu/pods.json`, "utf8"));
    const extra = structuredClone(pods.items[1]);
    extra.metadata.name = "web-6b7f9-7fz2k";
    extra.status = { phase: "Running", podIP: "10.0.1.77", podIPs: [{ ip: "10.0.1.77" }] };
    pods.items.push(extra);
    writeFileSync(`${t.dir}/mc/prod-eu/pods.json`, JSON.stringify(pods));
    await loaded(2);
    assert.match(list(), /elements = \{ 10\.0\.1\.10\/31, 10\.0\.1\.77 \}/);
  } finally {
    await new Promise<void>((r) => { if (child.exitCode !== null) r(); else { child.once("exit", () => r()); child.kill("SIGTERM"); } });
    t.cleanup();
  }
});

interface FlowRec { line: number; src: { name: string; match: string; candidates?: string[] }; dst: { name: string; match: string }; verdict?: string; by?: string }

async function flowsUs(...extra: string[]): Promise<{ code: number; err: string; recs: FlowRec[] }> {
  const r = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${EX}/flows-us.csv`, ...extra, "--view", "records", "-o", "json"]);
  return { code: r.code, err: r.err, recs: r.code === 2 ? [] : JSON.parse(r.out) };
}

test("flows --cluster: each cluster's holders are judged by their own cluster's policies; an address both clusters held depends on which sent it", async () => {
  const { code, recs } = await flowsUs(...CLUSTERS, "-q");
  assert.equal(code, 1, "a record policy denies is a finding");
  const [web, nat, api, vm] = recs;
  assert.deepEqual(web.src.candidates, ["prod-eu:shop/web-6b7f9-2kq8d", "prod-us:shop/web-5f2a1-h6t4r"]);
  // prod-us's api admits pods of namespaces labelled shop *of prod-us* (a namespaceSelector sees its own cluster's), prod-eu's only as 198.51.100.7.
  assert.deepEqual([web.verdict, web.by], ["depends", "on which endpoint held the address: denied or allowed"]);
  assert.deepEqual([nat.src.match, nat.src.candidates, nat.verdict, nat.by], ["nat", ["prod-eu:{egress NAT}", "prod-us:{egress NAT}"], "allowed", "ingress NetworkPolicy prod-us:shop/api-from-web rule 2"]);
  assert.deepEqual([api.src.name, api.verdict, api.by], ["prod-eu:shop/api-84c5d-m4n7p", "denied", "ingress isolated by NetworkPolicy prod-us:shop/api-from-web"]);
  assert.deepEqual([vm.src.name, vm.src.match, vm.verdict], ["billing/legacy-vm[Workload]", "static", "allowed"]);
  // Without --cluster the history's clusters are only names: no cluster's policies select the recorded pods.
  const flat = await flowsUs("-f", `${EX}/clusters.yaml`, "-q");
  assert.deepEqual([flat.code, flat.recs[0].verdict, flat.recs[0].by], [0, "allowed", "no policy applies"]);
});

test("flows --flows-cluster: the log's cluster's holder wins; an address in its pod range none of its pods held is its unknown pod, never another cluster's", async () => {
  const { code, recs } = await flowsUs(...CLUSTERS, "--flows-cluster", "prod-us", "-q");
  assert.equal(code, 1);
  const [web, nat, unknown, vm] = recs;
  assert.deepEqual([web.src.name, web.src.match, web.verdict, web.by], ["prod-us:shop/web-5f2a1-h6t4r", "exact", "allowed", "ingress NetworkPolicy prod-us:shop/api-from-web rule 1"]);
  assert.deepEqual(nat.src.candidates, ["prod-eu:{egress NAT}", "prod-us:{egress NAT}"], "a shared NAT address stays every cluster's");
  assert.deepEqual([unknown.src.name, unknown.src.match, unknown.verdict], ["prod-us:{unknown pod}", "none", "denied"], "10.0.2.20 is prod-eu's api, but in prod-us's log it is inside prod-us's pod range");
  assert.deepEqual([vm.src.name, vm.src.match], ["billing/legacy-vm[Workload]", "static"], "an endpoint of no cluster inside the pod range stays a candidate");
  const eu = await flowsUs(...CLUSTERS, "--flows-cluster", "prod-eu", "-q");
  assert.deepEqual(eu.recs.map((r) => `${r.src.name} -> ${r.dst.name}`), [
    "prod-eu:shop/web-6b7f9-2kq8d -> prod-eu:{unknown pod}",
    "prod-eu:{egress NAT} | prod-us:{egress NAT} -> prod-eu:{unknown pod}",
    "prod-eu:shop/api-84c5d-m4n7p -> prod-eu:{unknown pod}",
    "billing/legacy-vm[Workload] -> billing/billing-vm[Workload]",
  ], "in a log of prod-eu, 10.0.2.21 (prod-us's api) is inside prod-eu's own pod range");
  const bad = await flowsUs(...CLUSTERS, "--flows-cluster", "prod-x");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--flows-cluster prod-x: no such cluster \(known: prod-eu, prod-us\)/);
  assert.match((await cli(["flows", "--help"])).out, /--cluster NAME=PATH[\s\S]*--flows-cluster NAME/);
});

test("flows --cluster without history holders: the inventory's endpoints of both clusters at one address are candidates; a cluster the history names but no --cluster gives is noted", async () => {
  const t = tempFiles({ "h.jsonl": '{"junction":"history","version":1}\n', "flows.csv": "time,src,sport,dst,dport,protocol\n2026-12-05T06:00:00Z,10.0.1.10,40000,10.0.2.21,8080,tcp\n" });
  try {
    const args = ["flows", "--history", `${t.dir}/h.jsonl`, "--flows", `${t.dir}/flows.csv`, ...CLUSTERS, "--view", "records", "-o", "json", "-q"];
    const both = JSON.parse((await cli(args)).out)[0];
    assert.deepEqual([both.src.match, both.src.candidates, both.verdict], ["ambiguous", ["prod-eu:shop/web-6b7f9-2kq8d", "prod-us:shop/web-5f2a1-h6t4r"], "depends"]);
    const us = JSON.parse((await cli([...args, "--flows-cluster", "prod-us"])).out)[0];
    assert.deepEqual([us.src.name, us.src.match, us.verdict], ["prod-us:shop/web-5f2a1-h6t4r", "static", "allowed"]);
  } finally { t.cleanup(); }
  const one = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${EX}/flows-us.csv`, "-f", `${EX}/clusters.yaml`, "--cluster", `prod-us=${EX}/prod-us`]);
  assert.match(one.err, /note: the history's cluster prod-eu is not given with --cluster: its endpoints are judged without its namespaces and policies/);
});
