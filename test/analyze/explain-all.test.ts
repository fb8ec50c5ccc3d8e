// `list --explain` (np-guard's explainability analysis, docs/explain_analysis.md): every pair, allowed or
// not, with its ports split into parts the engine decides for the same reasons; pairs only the system
// default allowed are listed apart. The reasons are the verdict engine's traces, so each part is checked
// against `junction explain` on one of its ports.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";
import { assertGolden } from "../golden.js";

const EX = ["-f", "examples/shop"];

interface Seg { verdict: string; conn: string; connections: { protocol: string; ports: { from: number; to: number }[] }[]; egress: { summary: string }; ingress: { summary: string } }
interface Pair { src: string; dst: string; systemDefault: boolean; segments: Seg[] }

test("list --explain: each part of each pair agrees with explain on its ports (allowed iff in list)", async () => {
  const r = await cli(["list", ...EX, "--explain", "--focus-workload", "shop/api", "-o", "json"]);
  assert.equal(r.code, 0, r.err);
  const pairs: Pair[] = JSON.parse(r.out).explanation;
  const listed = new Map((JSON.parse((await cli(["list", ...EX, "--focus-workload", "shop/api", "-o", "json"])).out) as { src: string; dst: string; conn: string }[]).map((e) => [`${e.src}>${e.dst}`, e.conn]));
  assert.ok(pairs.length >= 10);
  for (const p of pairs) {
    const allowed = p.segments.filter((s) => s.verdict === "allow").map((s) => s.conn);
    if (allowed.length === 1) assert.equal(allowed[0], listed.get(`${p.src}>${p.dst}`), `${p.src} => ${p.dst}`);
    if (allowed.length === 0) assert.ok(!listed.has(`${p.src}>${p.dst}`), `${p.src} => ${p.dst} is listed but explained as denied`);
    if (p.src.includes("[External]") || p.dst.includes("[External]") || p.src.includes("[Network]") || p.dst.includes("[Network]")) continue;
    for (const s of p.segments) {
      const c = s.connections[0], port = c.ports[c.ports.length - 1].to;
      const e = await cli(["explain", ...EX, "--from", p.src, "--to", p.dst, "--port", String(port), "--protocol", c.protocol, "-o", "json"]);
      const pair = JSON.parse(e.out).pairs[0];
      assert.equal(pair.verdict, s.verdict, `${p.src} => ${p.dst} ${c.protocol}/${port}`);
      // The same reasons; explain names the endpoint as given (NS/NAME), list by its listed name (NS/NAME[Kind]).
      const same = (x: string) => x.replace(/\[[A-Za-z]+\]/g, "");
      assert.equal(same(pair.egress.summary), same(s.egress.summary));
      assert.equal(same(pair.ingress.summary), same(s.ingress.summary));
    }
  }
});

test("list --explain --explain-only: allow keeps the allowed parts, deny the denied ones", async () => {
  const allow: Pair[] = JSON.parse((await cli(["list", ...EX, "--explain", "--explain-only", "allow", "-o", "json"])).out).explanation;
  const deny: Pair[] = JSON.parse((await cli(["list", ...EX, "--explain", "--explain-only", "deny", "-o", "json"])).out).explanation;
  assert.ok(allow.length && allow.every((p) => p.segments.every((s) => s.verdict === "allow")));
  assert.ok(deny.length && deny.every((p) => p.segments.every((s) => s.verdict === "deny")));
  const bad = await cli(["list", ...EX, "--explain-only", "deny"]);
  assert.equal(bad.code, 2);
  assert.equal((await cli(["list", ...EX, "--explain", "-o", "csv"])).code, 2);
});

test("list --explain: the pairs only the system default allowed are listed apart (np-guard's last section)", async () => {
  const r = await cli(["list", ...EX, "--explain", "--focus-workload", "legacy/billing-db"]);
  const [specific, byDefault] = r.out.split("# All Connections due to the system default (Allow all) #");
  assert.ok(byDefault.includes("\nlegacy/billing-db[Workload] => 0.0.0.0-192.0.2.9[External]\n"), r.out);
  assert.ok(!specific.includes("Connections between legacy/billing-db[Workload] => 0.0.0.0-192.0.2.9[External]"));
  assert.ok(specific.includes("Connections between legacy/billing-db[Workload] => payments/payments[Deployment]:"));
});

test("list --explain: a peer whose members are decided differently is split, naming the members", async () => {
  const r = await cli(["list", ...EX, "--explain", "--focus-workload", "payments/payments", "--focus-conn", "tcp-5432", "--explain-only", "deny"]);
  assert.match(r.out, /Denied TCP 5432 \(payments\/payments\[Deployment\] => 169\.254\.169\.254-169\.254\.169\.254\) due to:\n\t\tEgress \(Denied\): denied by AdminNetworkPolicy platform-guardrails, egress rule 0 "deny-cloud-metadata"/);
});

test("list --explain on a focus of the bundled example is golden", async () => {
  const r = await cli(["list", ...EX, "--explain", "--focus-workload", "shop/web"]);
  assert.equal(r.code, 0, r.err);
  assertGolden("list-explain-shop-web.txt", r.out);
});
