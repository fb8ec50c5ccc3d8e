// Property: for random Istio ALLOW and DENY AuthorizationPolicies (with or without a NetworkPolicy
// on the same pods), convert --to common then evaluate answers every request as evaluating Istio's
// policies does: --verify (the requests at the boundaries of every rule) and a fixed set of
// requests walked before and after. Policies the converter refuses are skipped; most must convert.

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cli, tempFiles } from "../helpers.js";
import { WORLD } from "./istio-world.js";

const STRICT = "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: strict, namespace: istio-system}\nspec: {mtls: {mode: STRICT}}\n---\n";
const NP = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: from-web, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: web}}}]\n---\n";

const source = fc.constantFrom(
  "{principals: [cluster.local/ns/web/sa/front]}", "{principals: [cluster.local/ns/shop/sa/*]}", "{principals: [\"*/sa/batch\"]}", "{principals: [\"*\"]}",
  "{namespaces: [web]}", "{namespaces: [other, shop]}", "{ipBlocks: [10.0.1.0/24]}",
);
const path = fc.constantFrom("/a", "/api*", "\"*.js\"", "\"/o/{*}\"", "\"/f/{**}\"", "\"*\"", "/");
const operation = fc.record({
  methods: fc.option(fc.subarray(["GET", "POST", "DELETE"], { minLength: 1 }), { nil: undefined }),
  paths: fc.option(fc.array(path, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  ports: fc.constantFrom(undefined, "[\"8080\"]", "[\"9090\"]"),
}).map((o) => `{operation: {${[o.methods && `methods: [${o.methods.join(", ")}]`, o.paths && `paths: [${o.paths.join(", ")}]`, o.ports && `ports: ${o.ports}`].filter(Boolean).join(", ")}}}`);
const rule = fc.record({
  from: fc.option(fc.array(source, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  to: fc.option(fc.array(operation, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  when: fc.constantFrom(undefined, "[{key: \"request.headers[x-t]\", values: [\"1\"]}]", "[{key: \"request.headers[x-t]\", values: [\"*\"]}]"),
}).map((r) => `  - {${[r.from && `from: [${r.from.map((s) => `{source: ${s}}`).join(", ")}]`, r.to && `to: [${r.to.join(", ")}]`, r.when && `when: ${r.when}`].filter(Boolean).join(", ")}}`);
const policy = (name: string) => fc.record({
  action: fc.constantFrom("ALLOW", "DENY"), selector: fc.boolean(), namespace: fc.constantFrom("shop", "shop", "istio-system"),
  rules: fc.array(rule, { maxLength: 2 }),
}).map((p) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${p.namespace}}\nspec:\n  action: ${p.action}\n${p.selector ? "  selector: {matchLabels: {app: api}}\n" : ""}  rules:${p.rules.length ? `\n${p.rules.join("\n")}` : " []"}\n---\n`);

const CLIENTS = ["web/front", "web/admin", "shop/batch", "other/tool"];
const ASKS: [string, string, Record<string, string>][] = [["GET", "/a", {}], ["GET", "/api/x", { "x-t": "1" }], ["POST", "/x.js", { "x-t": "2" }], ["DELETE", "/o/1", { "x-t": "1" }], ["GET", "/f/1/2", {}], ["GET", "/", { "x-t": "1" }]];

async function answers(files: Record<string, string>): Promise<boolean[]> {
  const reqs = CLIENTS.flatMap((from) => ASKS.map(([method, p, headers]) => `- ${JSON.stringify({ from, host: "api.shop", port: 80, method, path: p, headers })}`)).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    return JSON.parse(r.out).results.map((x: { status: number | null }) => typeof x.status === "number" && x.status < 400);
  } finally { cleanup(); }
}

test("property: convert --to common (Istio) then evaluate = evaluate, per request, for random ALLOW/DENY AuthorizationPolicies", async () => {
  let converted = 0, runs = 0;
  await fc.assert(fc.asyncProperty(fc.array(policy("p"), { minLength: 1, maxLength: 3 }), fc.boolean(), async (aps, np) => {
    runs++;
    const policies = aps.map((p, i) => p.replace("name: p,", `name: p${i},`)).join("") + (np ? NP : "");
    const { dir, cleanup } = tempFiles({ "world.yaml": WORLD + STRICT, "policy.yaml": policies });
    let out: string;
    try {
      const r = await cli(["convert", "policy", "-f", dir, "--to", "common", "--verify"]);
      if (r.code === 1 && /not converted/.test(r.err)) return;
      converted++;
      assert.equal(r.code, 0, `${r.err}\n${policies}`);
      assert.match(r.err, /verify: equivalent per request/);
      out = r.out;
    } finally { cleanup(); }
    assert.deepEqual(await answers({ "world.yaml": WORLD + STRICT, "converted.yaml": out }), await answers({ "world.yaml": WORLD + STRICT, "policy.yaml": policies }), policies);
  }), { numRuns: 25, seed: 20261205 });
  assert.ok(converted >= runs * 0.7, `only ${converted} of ${runs} random policy sets converted`);
});
