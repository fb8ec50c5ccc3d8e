// Live mode against the fake API server (test/fixtures/fake-apiserver.ts; a real API server cannot
// run here): the cluster is read as the files are (discovery, paginated lists, namespaces, forbidden
// and missing kinds), and `junction serve` follows its watch streams: each change is applied and
// pushed, after a dropped connection the watch resumes, after 410 Gone it lists again, and the served
// answers always equal a fresh read of the cluster.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";
import { cluster, events, getJson, serve, shopObjects, waitFor } from "./helpers.js";

const json = (s: string) => JSON.parse(s);

test("a cluster is read as its manifests are: the same connections, explanations naming cluster objects", async () => {
  const c = await cluster();
  try {
    c.api.pageSize = 2;
    const live = await cli(["list", "--kubeconfig", c.kubeconfig, "-o", "json"]);
    const files = await cli(["list", "-f", "examples/shop", "-o", "json"]);
    assert.equal(live.code, 0, live.err);
    assert.deepEqual(json(live.out), json(files.out));
    assert.ok(c.api.requests.some((r) => r.startsWith("GET /apis/networking.k8s.io/v1/networkpolicies?limit=500&continue=")), "lists are paginated with continue");
    assert.match(live.err, /not served by the cluster \(CRD not installed\), skipped: .*Gateway\.gateway\.networking\.k8s\.io/);
    const explain = await cli(["explain", "--kubeconfig", c.kubeconfig, "--from", "shop/web", "--to", "shop/api", "--port", "8080"]);
    assert.match(explain.out, /cluster:kind-test\/NetworkPolicy\/shop\/web:\d+/);
    // explain's own -n names the namespace of short names (as kubectl's); the whole cluster is still read.
    const short = await cli(["explain", "--kubeconfig", c.kubeconfig, "-n", "shop", "--from", "web", "--to", "kube-system/coredns", "--port", "53", "--protocol", "UDP"]);
    assert.equal(short.code, 0, short.err);
    assert.match(short.out, /shop\/web → kube-system\/coredns/);
  } finally { await c.cleanup(); }
});

test("-n reads namespaced kinds from those namespaces only; a forbidden kind is reported once with its rule", async () => {
  const c = await cluster();
  try {
    c.api.forbidden.add("secrets");
    const r = await cli(["validate", "--kubeconfig", c.kubeconfig, "-n", "shop"]);
    assert.equal(r.code, 0, r.err);
    assert.ok(c.api.requests.some((q) => q.startsWith("GET /api/v1/namespaces/shop/pods")));
    assert.ok(!c.api.requests.some((q) => q.startsWith("GET /api/v1/pods")));
    assert.ok(c.api.requests.some((q) => q.startsWith("GET /api/v1/namespaces?")), "cluster-scoped kinds are read whole");
    const notes = (r.out + r.err).split("\n").filter((l) => l.includes("cannot list Secret"));
    assert.equal(notes.length, 1);
    assert.match(notes[0], /warning: cannot list Secret \(secrets\): forbidden in namespace shop \(.*\)\. The TLS material it holds is read as missing.* Grant: \{"apiGroups":\[""\],"resources":\["secrets"\],"verbs":\["get","list","watch"\]\}/);
    assert.match(r.out, /\b3 pods\b|pods/);
  } finally { await c.cleanup(); }
});

test("cluster options: a missing context and an unreachable kubeconfig are one-line errors (exit 2)", async () => {
  const c = await cluster();
  try {
    const r = await cli(["list", "--kubeconfig", c.kubeconfig, "--context", "nope"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /no context named "nope" \(contexts: kind-test\)/);
    const missing = await cli(["list", "--kubeconfig", "/nonexistent/kubeconfig"]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /\/nonexistent\/kubeconfig: cannot be read as a kubeconfig/);
    const both = await cli(["list", "--kubeconfig", c.kubeconfig, "-A", "-n", "shop"]);
    assert.equal(both.code, 2);
  } finally { await c.cleanup(); }
});

/** The served connections equal a fresh read of the cluster. */
async function agrees(url: string, kubeconfig: string, step: string): Promise<void> {
  const served = await getJson(url + "api/v1/connections");
  const fresh = await cli(["list", "--kubeconfig", kubeconfig, "-o", "json", "-q"]);
  assert.deepEqual(served.body, json(fresh.out), step);
}

test("serve follows the watch: a policy change is applied incrementally and pushed, and the answer changes", async () => {
  const c = await cluster();
  const s = await serve(["--kubeconfig", c.kubeconfig]);
  const stream = await events(s.url + "api/v1/events");
  try {
    await stream.next("hello");
    const explain = () => getJson(s.url + "api/v1/explain?from=shop/web&to=shop/api&port=8080");
    assert.equal((await explain()).body.verdict, "allow");
    const api = shopObjects().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "api")!;
    api.spec.ingress[0].from[0].podSelector.matchLabels = { app: "nobody" };
    c.api.apply("MODIFIED", api);
    const update = await stream.next("update");
    assert.equal(update.mode, "incremental");
    assert.deepEqual(update.changes, ["MODIFIED NetworkPolicy shop/api"]);
    assert.ok(update.ms < 1000, `applied in ${update.ms} ms`);
    assert.equal((await explain()).body.verdict, "deny");
    await agrees(s.url, c.kubeconfig, "after the policy change");

    c.api.apply("DELETED", api);
    assert.equal((await stream.next("update")).mode, "incremental");
    await agrees(s.url, c.kubeconfig, "after the policy deletion");

    const ns = shopObjects().find((o) => o.kind === "Namespace" && o.metadata.name === "payments")!;
    ns.metadata.labels = { ...ns.metadata.labels, team: "elsewhere" };
    c.api.apply("MODIFIED", ns);
    assert.equal((await stream.next("update")).mode, "incremental");
    await agrees(s.url, c.kubeconfig, "after the namespace relabel");

    // Pods of one ReplicaSet: the first replaces the template (reload), the next joins it in place.
    const pod = (name: string, ip: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop", labels: { app: "web" }, ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f", uid: "u1", controller: true }] },
      spec: { containers: [{ name: "web", image: "web", ports: [{ name: "http", containerPort: 8080 }] }] }, status: { podIP: ip, podIPs: [{ ip }] } });
    c.api.apply("ADDED", pod("web-5d8f-a", "10.1.0.10"));
    assert.equal((await stream.next("update")).mode, "reload");
    await agrees(s.url, c.kubeconfig, "after the first pod");
    c.api.apply("ADDED", pod("web-5d8f-b", "10.1.0.11"));
    assert.equal((await stream.next("update")).mode, "incremental");
    await agrees(s.url, c.kubeconfig, "after the second pod");
    c.api.apply("DELETED", pod("web-5d8f-a", "10.1.0.10"));
    assert.equal((await stream.next("update")).mode, "incremental");
    await agrees(s.url, c.kubeconfig, "after a pod deletion");

    const svc = shopObjects().find((o) => o.kind === "Service")!;
    svc.metadata.labels = { changed: "yes" };
    c.api.apply("MODIFIED", svc);
    assert.equal((await stream.next("update")).mode, "reload");
    await agrees(s.url, c.kubeconfig, "after a Service change (reloaded)");
  } finally { stream.close(); await s.stop(); await c.cleanup(); }
});

test("serve resumes after a dropped watch and lists again after 410 Gone, losing no change", async () => {
  const c = await cluster();
  const s = await serve(["--kubeconfig", c.kubeconfig]);
  const stream = await events(s.url + "api/v1/events");
  try {
    await stream.next("hello");
    c.api.bookmark();
    c.api.dropWatches();
    const web = shopObjects().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "web")!;
    web.metadata.labels = { touched: "1" };
    web.spec.ingress = [];
    c.api.apply("MODIFIED", web);
    const resumed = await stream.next("update");
    assert.deepEqual(resumed.changes, ["MODIFIED NetworkPolicy shop/web"]);
    await agrees(s.url, c.kubeconfig, "after the resumed watch");
    // The history is compacted while a change happens: the watch gets 410 Gone and lists again.
    await waitFor(() => c.api.openWatches > 0);
    c.api.compact();
    const deleted = shopObjects().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "api")!;
    c.api.apply("DELETED", deleted);
    const relisted = await stream.next("update");
    assert.ok(relisted.changes.includes("DELETED NetworkPolicy shop/api"), JSON.stringify(relisted.changes));
    await agrees(s.url, c.kubeconfig, "after the re-list");
  } finally { stream.close(); await s.stop(); await c.cleanup(); }
});

// A policy change was applied alone, read without the input's CNI: under a cilium-config with
// enable-k8s-networkpolicy "false" a NetworkPolicy changed live was enforced (the agent enforces
// none); a Calico input's default-tier ties (breakTies) were skipped alike. Such inputs reload.
test("serve: with a CNI in the input (Cilium's cilium-config here), a policy change reloads, so it is read as that CNI reads it", async () => {
  const c = await cluster();
  c.api.apply("ADDED", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cilium-config", namespace: "kube-system" }, data: { "enable-k8s-networkpolicy": "false" } });
  const s = await serve(["--kubeconfig", c.kubeconfig]);
  const stream = await events(s.url + "api/v1/events");
  try {
    await stream.next("hello");
    const api = shopObjects().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "api")!;
    api.spec.ingress[0].from[0].podSelector.matchLabels = { app: "nobody" };
    c.api.apply("MODIFIED", api);
    const update = await stream.next("update");
    await agrees(s.url, c.kubeconfig, "after a NetworkPolicy change under enable-k8s-networkpolicy false");
    assert.equal(update.mode, "reload");
  } finally { stream.close(); await s.stop(); await c.cleanup(); }
});
