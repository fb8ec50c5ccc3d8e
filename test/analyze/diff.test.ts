// junction diff: each kind of change (connectivity changed/added/removed, workloads added/removed,
// routing, exposure), np-guard's txt notation, --fail-on, git:REV inputs and clusters as sides.

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";
import { assertGolden } from "../golden.js";
import { FakeApiServer } from "../fixtures/fake-apiserver.js";
import { splitObjects } from "../../src/sources/documents.js";
import { readInputs } from "../../src/sources/read.js";
import { Diagnostics } from "../../src/model/source.js";

const NS = `
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {team: a}}
`;
const pod = (name: string, labels: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: a, labels: ${labels}}
spec: {containers: [{name: c, image: x, ports: [{containerPort: 80}, {containerPort: 443}]}]}
status: {podIP: 10.0.0.${name.length}}
`;
const allowTo = (app: string, ports: number[], from = "{matchLabels: {app: client}}") => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${app}, namespace: a}
spec:
  podSelector: {matchLabels: {app: ${app}}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: ${from}}]
    ports: [${ports.map((p) => `{port: ${p}}`).join(", ")}]
`;
const docs = (...d: string[]) => d.join("\n---\n");

async function diffOf(base: string, head: string, ...args: string[]) {
  const t = tempFiles({ "base.yaml": base, "head.yaml": head });
  try {
    return await cli(["diff", "--base", `${t.dir}/base.yaml`, "--head", `${t.dir}/head.yaml`, ...args]);
  } finally {
    t.cleanup();
  }
}

const BASE = docs(NS, pod("client", "{app: client}"), pod("server", "{app: server}"), pod("db", "{app: db}"), allowTo("server", [80]), allowTo("db", [443]));

test("diff: np-guard's txt lines, changed/added/removed pairs and workloads (diff_formatter_text.go: 'diff-type: changed, source: ..., destination: ..., old: ..., new: ...')", async () => {
  // server gains 443 (changed); db loses its client (removed); cache is new (added, workloads-diff-info).
  const head = docs(NS, pod("client", "{app: client}"), pod("server", "{app: server}"), pod("db", "{app: db}"), pod("cache", "{app: cache}"),
    allowTo("server", [80, 443]), allowTo("db", [443], "{matchLabels: {app: nobody}}"), allowTo("cache", [80]));
  const r = await diffOf(BASE, head);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.split("\n");
  assert.ok(lines.includes("diff-type: changed, source: a/client[Pod], destination: a/server[Pod], old: TCP 80, new: TCP 80,443"), r.out);
  assert.ok(lines.includes("diff-type: removed, source: a/client[Pod], destination: a/db[Pod], old: TCP 443, new: No Connections"), r.out);
  assert.ok(lines.includes("diff-type: added, source: a/client[Pod], destination: a/cache[Pod], old: No Connections, new: TCP 80, workloads-diff-info: workload a/cache[Pod] added"), r.out);
  assert.ok(lines.includes("diff-type: added, workload: a/cache[Pod]"), r.out);
  // np-guard's order: changed before added before removed.
  const at = (s: string) => lines.findIndex((l) => l.startsWith(`diff-type: ${s}, source`));
  assert.ok(at("changed") < at("added") && at("added") < at("removed"), r.out);
});

test("diff: a workload removed is reported with its pairs, and nothing is printed (exit 0) when nothing changed", async () => {
  const head = docs(NS, pod("client", "{app: client}"), pod("server", "{app: server}"), allowTo("server", [80]), allowTo("db", [443]));
  const r = await diffOf(BASE, head);
  assert.match(r.out, /diff-type: removed, workload: a\/db\[Pod\]/);
  assert.match(r.out, /destination: a\/db\[Pod\], old: TCP 443, new: No Connections, workloads-diff-info: workload a\/db\[Pod\] removed/);
  const same = await diffOf(BASE, BASE, "--fail-on", "any");
  assert.deepEqual([same.code, same.out], [0, ""]);
  const table = await diffOf(BASE, BASE, "-o", "table");
  assert.equal(table.out, "No change in connectivity, workloads, routing, exposure or L7 requests.\n");
});

test("diff --fail-on: exit 1 only for the kinds named", async () => {
  const head = docs(NS, pod("client", "{app: client}"), pod("server", "{app: server}"), pod("db", "{app: db}"), allowTo("server", [80, 443]), allowTo("db", [443]));
  assert.equal((await diffOf(BASE, head)).code, 0);
  assert.equal((await diffOf(BASE, head, "--fail-on", "removed")).code, 0);
  assert.equal((await diffOf(BASE, head, "--fail-on", "changed")).code, 1);
  assert.equal((await diffOf(BASE, head, "--fail-on", "removed", "--fail-on", "any")).code, 1);
  const bad = await diffOf(BASE, head, "--fail-on", "everything");
  assert.equal(bad.code, 2);
});

test("diff: external ranges are compared on both sides' cuts and merged back where the change is the same", async () => {
  const ext = (cidr: string) => `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: server, namespace: a}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress: [{from: [{ipBlock: {cidr: "${cidr}"}}], ports: [{port: 80}]}]
`;
  const base = docs(NS, pod("server", "{app: server}"), ext("198.51.100.0/24"));
  const head = docs(NS, pod("server", "{app: server}"), ext("198.51.100.0/25"));
  const r = await diffOf(base, head);
  // The upper half lost port 80; the lower half is unchanged and not printed.
  assert.equal(r.out.split("\n").filter((l) => l.startsWith("diff-type")).join("\n"),
    "diff-type: removed, source: 198.51.100.128-198.51.100.255[External], destination: a/server[Pod], old: TCP 80, new: No Connections");
});

test("diff: routing (a request per route rule of both versions) and exposure sections", async () => {
  const gw = (backend: string) => docs(NS, pod("web", "{app: web}"), pod("web2", "{app: web2}"), `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: web2, namespace: a}
spec: {selector: {app: web2}, ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gc}
spec: {controllerName: example.com/gw}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: a}
spec:
  gatewayClassName: gc
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: a}
spec:
  parentRefs: [{name: gw}]
  hostnames: [shop.example.com]
  rules: [{matches: [{path: {type: PathPrefix, value: /cart}}], backendRefs: [{name: ${backend}, port: 80}]}]
`);
  const r = await diffOf(gw("web"), gw("web2"), "-o", "json");
  const doc = JSON.parse(r.out);
  assert.equal(doc.changed, true);
  assert.deepEqual(doc.routing.map((d: { diffType: string; request: string; old: string; new: string }) => [d.diffType, d.request, d.old, d.new]),
    [["changed", "GET http://shop.example.com:80/cart (Gateway a/gw :80)", "200 a/web", "200 a/web2"]]);
  // web was reachable through the Gateway (no policy), web2 becomes so.
  const exposure = doc.exposure.filter((d: { kind: string }) => d.kind === "routed").map((d: { diffType: string; workload: string }) => `${d.diffType} ${d.workload}`);
  assert.deepEqual(exposure.sort(), ["added a/web2[Pod]", "removed a/web[Pod]"]);
  assert.equal((await diffOf(gw("web"), gw("web2"), "--fail-on", "exposure")).code, 1);
});

test("diff of examples/shop and examples/shop-v2 (golden: txt and md)", async () => {
  const txt = await cli(["diff", "--base", "examples/shop", "--head", "examples/shop-v2"]);
  assert.equal(txt.code, 0, txt.err);
  assertGolden("diff-shop.txt", txt.out);
  const md = await cli(["diff", "--base", "examples/shop", "--head", "examples/shop-v2", "-o", "md", "--fail-on", "exposure"]);
  assert.equal(md.code, 1);
  assertGolden("diff-shop.md", md.out);
  for (const o of ["csv", "table", "yaml"]) assert.equal((await cli(["diff", "--base", "examples/shop", "--head", "examples/shop-v2", "-o", o])).code, 0);
});

test("diff git:REV[:PATH]: a folder at a revision, read without touching the work tree", async () => {
  const t = tempFiles({});
  const git = (...a: string[]) => execFileSync("git", a, { cwd: t.dir, stdio: "pipe", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } }).toString();
  const prevCwd = process.cwd();
  try {
    git("init", "-q", "-b", "main");
    mkdirSync(`${t.dir}/deploy`);
    writeFileSync(`${t.dir}/deploy/all.yaml`, BASE);
    git("add", "."); git("commit", "-qm", "v1");
    const head = BASE.replace("ports: [{port: 80}]", "ports: [{port: 80}, {port: 443}]");
    writeFileSync(`${t.dir}/deploy/all.yaml`, head);
    process.chdir(t.dir);
    const r = await cli(["diff", "--base", "git:main:deploy", "--head", "deploy"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /diff-type: changed, source: a\/client\[Pod\], destination: a\/server\[Pod\], old: TCP 80, new: TCP 80,443/);
    // The work tree keeps the uncommitted change; nothing was checked out.
    assert.equal(readFileSync(`${t.dir}/deploy/all.yaml`, "utf8"), head);
    assert.match(git("status", "--porcelain"), /M deploy\/all.yaml/);
    // As on disk: subfolders are read, hidden ones only with -R (kubectl -R reads them).
    const deeper = BASE.replace("ports: [{port: 80}]", "ports: [{port: 80}, {port: 8080}]");
    mkdirSync(`${t.dir}/deploy/sub/z/.old`, { recursive: true });
    writeFileSync(`${t.dir}/deploy/all.yaml`, "");
    writeFileSync(`${t.dir}/deploy/sub/all.yaml`, deeper);
    writeFileSync(`${t.dir}/deploy/sub/z/.old/all.yaml`, head); // later in Go's order: the last definition
    git("add", "."); git("commit", "-qm", "v2");
    const fromSub = await cli(["diff", "--base", "git:main~1:deploy", "--head", "git:main:deploy"]);
    assert.equal(fromSub.code, 0, fromSub.err);
    assert.match(fromSub.out, /old: TCP 80, new: TCP 80,8080/);
    // The same note as on disk: kubectl -f would not read the subfolder's file.
    assert.match(fromSub.err, /note: git:main:deploy: 1 file read from subfolders \(kubectl -f reads subfolders only with -R\)/);
    const withHidden = await cli(["diff", "-R", "--base", "git:main~1:deploy", "--head", "git:main:deploy"]);
    assert.equal(withHidden.code, 0, withHidden.err);
    assert.match(withHidden.out, /old: TCP 80, new: TCP 80,443/);
    const missing = await cli(["diff", "--base", "git:nosuchrev:deploy", "--head", "deploy"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /git:nosuchrev:deploy: no revision nosuchrev in this repository/);
  } finally {
    process.chdir(prevCwd);
    t.cleanup();
  }
});

test("diff --base-context: a cluster as the version before the change", async () => {
  const api = await new FakeApiServer().start();
  const diags = new Diagnostics();
  api.seed(readInputs(["examples/shop"], diags).flatMap((f) => splitObjects(f, diags)).map((r) => structuredClone(r.obj) as Record<string, any>));
  const t = tempFiles({});
  try {
    const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`);
    const same = await cli(["diff", "--kubeconfig", kubeconfig, "--base-context", "kind-test", "--head", "examples/shop", "-q"]);
    assert.equal(same.code, 0, same.err);
    assert.equal(same.out, "", "the cluster holds exactly examples/shop");
    const changed = await cli(["diff", "--kubeconfig", kubeconfig, "--base-context", "kind-test", "--head", "examples/shop-v2", "-q"]);
    assert.equal(changed.out, readFileSync("test/golden/diff-shop.txt", "utf8"));
    const wrong = await cli(["diff", "--kubeconfig", kubeconfig, "--base-context", "nope", "--head", "examples/shop"]);
    assert.equal(wrong.code, 2);
  } finally {
    await api.stop();
    t.cleanup();
  }
});

test("diff: usage errors (no side, stdin twice) exit 2", async () => {
  assert.equal((await cli(["diff", "--base", "examples/shop"])).code, 2);
  assert.equal((await cli(["diff", "--base", "-", "--head", "-"])).code, 2);
});
