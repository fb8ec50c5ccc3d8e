// junction rbac and deploy/: the ClusterRole grants get/list/watch on every kind a front end reads,
// with the resource names the API server uses, and deploy/junction.yaml holds exactly that role.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { cli } from "../helpers.js";
import { FRONT_ENDS } from "../../src/sources/load.js";
import { resourceOf } from "../../src/sources/live/kinds.js";

test("junction rbac grants get, list and watch on every kind Junction reads live (core/v1 Endpoints only from files: the cluster has their mirrored slices), and nothing else", async () => {
  const r = await cli(["rbac", "-o", "json"]);
  assert.equal(r.code, 0);
  const role = JSON.parse(r.out);
  assert.equal(role.kind, "ClusterRole");
  for (const rule of role.rules) assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
  const granted = new Set(role.rules.flatMap((x: { apiGroups: string[]; resources: string[] }) => x.resources.map((res) => `${x.apiGroups[0]}/${res}`)));
  assert.ok(!granted.has("/endpoints"), "Endpoints are not read live");
  for (const fe of FRONT_ENDS.filter((x) => x.live !== false)) for (const av of fe.apiVersions) {
    const group = av.includes("/") ? av.slice(0, av.lastIndexOf("/")) : "";
    assert.ok(granted.has(`${group}/${resourceOf(group, fe.kind)}`), `${fe.kind} (${av})`);
  }
});

test("resource names follow the API server's (the discovery responses of the fake API server)", () => {
  const dir = "test/fixtures/apiserver";
  for (const f of readdirSync(dir).filter((n) => /^apis?-/.test(n))) {
    for (const r of JSON.parse(readFileSync(`${dir}/${f}`, "utf8")).resources) {
      const group = f.startsWith("apis-") ? f.slice(5).replace(/\.json$/, "").replace(/-[^-]+$/, "") : "";
      if (!r.name.includes("/") && FRONT_ENDS.some((fe) => fe.kind === r.kind)) assert.equal(resourceOf(group, r.kind), r.name, r.kind);
    }
  }
});

test("deploy/junction.yaml holds the role junction rbac prints, bound to the Deployment's service account", async () => {
  const docs = parseAllDocuments(readFileSync("deploy/junction.yaml", "utf8")).map((d) => d.toJS());
  const role = docs.find((d) => d.kind === "ClusterRole");
  assert.deepEqual(role, JSON.parse((await cli(["rbac", "-o", "json"])).out), "deploy/junction.yaml is out of date: npm run build && node scripts/write-deploy.mjs");
  const binding = docs.find((d) => d.kind === "ClusterRoleBinding");
  const deployment = docs.find((d) => d.kind === "Deployment");
  assert.equal(binding.roleRef.name, role.metadata.name);
  assert.equal(binding.subjects[0].name, deployment.spec.template.spec.serviceAccountName);
  assert.deepEqual(deployment.spec.template.spec.containers[0].args.slice(0, 2), ["serve", "-A"]);
  assert.ok(docs.some((d) => d.kind === "Service"));
  const valid = await cli(["validate", "-f", "deploy/junction.yaml", "-q"]);
  assert.equal(valid.code, 0, valid.out);
});

test("resource names are the vendored CRDs' spec.names.plural (a Gateway is served as gateways, not the guessed gatewaies: a role granting the guess cannot list them)", () => {
  const root = "schemas/upstream";
  let checked = 0;
  for (const group of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "kubernetes").map((d) => d.name)) {
    for (const f of readdirSync(`${root}/${group}`).filter((n) => n.endsWith(".json"))) {
      const crd = JSON.parse(readFileSync(`${root}/${group}/${f}`, "utf8")) as { kind: string };
      // The files are named by the CRD's plural (schemas/upstream/README.md: gateway.networking.k8s.io_gateways.yaml).
      assert.equal(resourceOf(group, crd.kind), f.replace(/\.json$/, ""), `${group}/${crd.kind}`);
      checked++;
    }
  }
  assert.ok(checked > 40, `${checked} CRDs checked`);
});
