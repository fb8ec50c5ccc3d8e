// Input audit, seventh round: what the API server does to a Service's cluster IPs on create
// (pkg/registry/core/service strategy.go NormalizeClusterIPs, pkg/apis/core/validation ValidateService
// and ValidateServiceClusterIPsRelatedFields): a Service it refuses does not exist, so it is an error;
// and git:REV inputs read in the order of a walk of the checkout.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { load, tempFiles } from "../helpers.js";
import { Diagnostics, formatPath } from "../../src/model/source.js";
import { readInputs } from "../../src/sources/read.js";
import { readGitInputs } from "../../src/sources/git.js";
import { loadFiles } from "../../src/sources/load.js";

const svc = (spec: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec: {${spec}, selector: {app: a}, ports: [{port: 80}]}\n`;
const errors = (spec: string) => load({ "svc.yaml": svc(spec) }).diagnostics.errors.map((d) => `${formatPath(d.field ?? [])}: ${d.message}`);

test("Service cluster IPs as the API server creates them: clusterIP alone is clusterIPs[0]; clusterIPs without clusterIP, a different first value, None not alone, three values, two of a family, a family other than ipFamilies says are refused", () => {
  for (const ok of ["clusterIP: 10.96.0.1", "clusterIP: None", "clusterIP: ''", "clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1]", "clusterIP: None, clusterIPs: [None]",
    "clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ipFamilies: [IPv4, IPv6], ipFamilyPolicy: RequireDualStack", "clusterIP: 'fd00::1', ipFamilies: [IPv6]", "type: ExternalName, externalName: db.example.com",
    "type: NodePort, clusterIP: 10.96.0.1"]) {
    assert.deepEqual(errors(ok), [], ok);
  }
  // Read before as a Service with a virtual IP (not headless): the API server refuses it.
  assert.deepEqual(errors("clusterIPs: [None]"), ["spec.clusterIPs: must be empty when `clusterIP` is not specified (the API server refuses it; give clusterIP as the first of them)"]);
  assert.deepEqual(errors("clusterIPs: [10.96.0.5]"), ["spec.clusterIPs: must be empty when `clusterIP` is not specified (the API server refuses it; give clusterIP as the first of them)"]);
  // Read before as a Service with both addresses.
  assert.deepEqual(errors("clusterIP: 10.96.0.9, clusterIPs: [10.96.0.5]"), ['spec.clusterIPs[0]: first value must match `clusterIP` ("10.96.0.9"; the API server refuses it)']);
  assert.deepEqual(errors("clusterIP: None, clusterIPs: [None, 10.96.0.5]"), ["spec.clusterIPs: 'None' must be the first and only value (the API server refuses it)"]);
  assert.deepEqual(errors("clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1', 'fd00::2']"), ["spec.clusterIPs: may only hold up to 2 values (the API server refuses it)"]);
  assert.deepEqual(errors("clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 10.96.0.2]"), ["spec.clusterIPs: may specify no more than one IP for each IP family (the API server refuses it)"]);
  // An IPv4-mapped address is IPv4 to the API server (netutils.IsIPv6String: To4() == nil).
  assert.deepEqual(errors("clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, '::ffff:10.96.0.2']"), ["spec.clusterIPs: may specify no more than one IP for each IP family (the API server refuses it)"]);
  assert.deepEqual(errors("clusterIP: 10.96.0.1, ipFamilies: [IPv6]"), ["spec.clusterIP: expected an IPv6 value as indicated by `ipFamilies[0]` (the API server refuses it)"]);
  assert.deepEqual(errors("clusterIP: 10.96.0.1, clusterIPs: [10.96.0.1, 'fd00::1'], ipFamilies: [IPv6, IPv4]"), [
    "spec.clusterIPs[0]: expected an IPv6 value as indicated by `ipFamilies[0]` (the API server refuses it)",
    "spec.clusterIPs[1]: expected an IPv4 value as indicated by `ipFamilies[1]` (the API server refuses it)"]);
  // Headless is for ClusterIP Services only; an ExternalName Service has no cluster IP and no families.
  assert.deepEqual(errors("type: NodePort, clusterIP: None"), ["spec.clusterIP: may not be set to 'None' for NodePort services (the API server refuses it)"]);
  assert.deepEqual(errors("type: LoadBalancer, clusterIP: None, clusterIPs: [None]"), ["spec.clusterIPs[0]: may not be set to 'None' for LoadBalancer services (the API server refuses it)"]);
  assert.deepEqual(errors("type: ExternalName, externalName: db.example.com, clusterIP: 10.96.0.1"), ["spec.clusterIP: Forbidden: may not be set for ExternalName services (the API server refuses it)"]);
  assert.deepEqual(errors("type: ExternalName, externalName: db.example.com, ipFamilies: [IPv4], ipFamilyPolicy: SingleStack"), [
    "spec.ipFamilies: Forbidden: may not be set for ExternalName services (the API server refuses it)",
    "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName services (the API server refuses it)"]);
});

test("git:REV:PATH reads a folder's files in the order a walk of the checkout reads them (a subfolder at its name's place, not after 'name-x' and 'name.yaml' as git lists it), so the same definition is the last one", () => {
  const t = tempFiles({});
  const git = (...a: string[]) => execFileSync("git", a, { cwd: t.dir, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } }).toString();
  try {
    git("init", "-q", "-b", "main");
    const ns = (from: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ns1, labels: {from: ${from}}}\n`;
    for (const [name, from] of [["d/a/x.yaml", "folder"], ["d/a-b.yaml", "dash"], ["d/a.yaml", "dot"]]) {
      mkdirSync(join(t.dir, name, ".."), { recursive: true });
      writeFileSync(join(t.dir, name), ns(from));
    }
    git("add", "."); git("commit", "-qm", "v1");
    const onDisk = readInputs([join(t.dir, "d")], new Diagnostics()).map((f) => f.name.slice(join(t.dir, "d").length + 1));
    assert.deepEqual(onDisk, ["a/x.yaml", "a-b.yaml", "a.yaml"]);
    const fromGit = readGitInputs({ rev: "main", path: "d" }, t.dir, new Diagnostics()).map((f) => f.name.slice("git:main:d/".length));
    assert.deepEqual(fromGit, onDisk);
    const label = (l: ReturnType<typeof loadFiles>) => l.inventory.namespaces.get("ns1")?.labels.from;
    assert.equal(label(loadFiles(readGitInputs({ rev: "main", path: "d" }, t.dir, new Diagnostics()))), "dot");
  } finally { t.cleanup(); }
});
