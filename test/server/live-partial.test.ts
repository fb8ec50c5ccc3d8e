// Live mode with a partial view of the cluster, read as client-go's informers read it: a kind that
// could not be read (forbidden, or its group's discovery failed) is never read as empty; a stale
// continue token lists again; a DELETED event of an unknown object and BOOKMARKs change nothing but
// the resourceVersion a watch resumes from; a failing watch is retried with backoff, reported, shown
// in /healthz and reported again when it resumes.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "../helpers.js";
import { cluster, events, getJson, serve, shopObjects, waitFor } from "./helpers.js";

test("a kind forbidden to list is an error, never an empty list (--lenient: a warning); Secrets only a warning naming the TLS checks", async () => {
  const c = await cluster();
  try {
    c.api.forbidden.add("networkpolicies");
    const r = await cli(["explain", "--kubeconfig", c.kubeconfig, "--from", "shop/web", "--to", "shop/cache", "--port", "6379"]);
    assert.equal(r.code, 2, r.out);
    assert.equal(r.out, "");
    assert.match(r.err, /error: cannot list NetworkPolicy \(networkpolicies\.networking\.k8s\.io\): forbidden \(networkpolicies is forbidden: .*\)\. The cluster may hold NetworkPolicy objects, and answers without them could be wrong .*--lenient answers without them\. Grant: \{"apiGroups":\["networking\.k8s\.io"\],"resources":\["networkpolicies"\],"verbs":\["get","list","watch"\]\}/);
    const lenient = await cli(["list", "--kubeconfig", c.kubeconfig, "-q", "--lenient"]);
    assert.equal(lenient.code, 0, lenient.err);
    assert.match(lenient.err, /warning: cannot list NetworkPolicy/);
    // In -n mode the namespaced lists are per namespace; the error names the namespace.
    const ns = await cli(["list", "--kubeconfig", c.kubeconfig, "-n", "shop", "-q"]);
    assert.equal(ns.code, 2);
    assert.match(ns.err, /cannot list NetworkPolicy \(networkpolicies\.networking\.k8s\.io\): forbidden in namespace shop/);

    c.api.forbidden.clear();
    c.api.forbidden.add("secrets");
    const secrets = await cli(["list", "--kubeconfig", c.kubeconfig, "-q"]);
    assert.equal(secrets.code, 0, secrets.err);
    assert.equal(secrets.err.split("\n").filter((l) => l.includes("cannot list Secret")).length, 1);
    assert.match(secrets.err, /warning: cannot list Secret \(secrets\): forbidden .*The TLS material it holds is read as missing/);
  } finally { await c.cleanup(); }
});

test("a group whose discovery fails (503) leaves its kinds unread, not absent: an error naming them", async () => {
  const c = await cluster();
  try {
    c.api.discoveryStatus.set("/apis/networking.k8s.io/v1", 503);
    const r = await cli(["list", "--kubeconfig", c.kubeconfig, "-q"]);
    assert.equal(r.code, 2, r.out);
    assert.match(r.err, /error: cannot list NetworkPolicy \(NetworkPolicy\.networking\.k8s\.io\): the discovery of networking\.k8s\.io\/v1 failed: the API server answered 503 \(the server is currently unable to handle the request\)/);
    assert.doesNotMatch(r.err, /not served by the cluster.*NetworkPolicy\.networking/);
    // A kind not served at all (no CRD) is absent, and the note says what that means for the answers.
    c.api.discoveryStatus.clear();
    const ok = await cli(["list", "--kubeconfig", c.kubeconfig]);
    assert.equal(ok.code, 0, ok.err);
    assert.match(ok.err, /not served by the cluster \(CRD not installed\), skipped: .*Gateway\.gateway\.networking\.k8s\.io.*; the answers are those of a cluster without them/);
  } finally { await c.cleanup(); }
});

test("a continue token that expired (410) lists the kind again from the start, as client-go's pager does", async () => {
  const c = await cluster();
  try {
    c.api.pageSize = 1;
    c.api.expireContinue.add("networkpolicies");
    const live = await cli(["list", "--kubeconfig", c.kubeconfig, "-o", "json", "-q"]);
    const files = await cli(["list", "-f", "examples/shop", "-o", "json", "-q"]);
    assert.equal(live.code, 0, live.err);
    assert.deepEqual(JSON.parse(live.out), JSON.parse(files.out));
    const firstPages = c.api.requests.filter((r) => r === "GET /apis/networking.k8s.io/v1/networkpolicies?limit=500");
    assert.equal(firstPages.length, 2, "listed again from the first page after 410 Expired");
  } finally { await c.cleanup(); }
});

test("serve: a DELETED event of an unknown object changes nothing; a BOOKMARK's resourceVersion is where a dropped watch resumes", async () => {
  const c = await cluster();
  const s = await serve(["--kubeconfig", c.kubeconfig]);
  const stream = await events(s.url + "api/v1/events");
  try {
    const hello = await stream.next("hello");
    await waitFor(() => c.api.openWatches > 0 && c.api.requests.some((r) => r.includes("/networkpolicies?") && r.includes("watch=true")), "the watches");
    c.api.apply("DELETED", { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "never-seen", namespace: "shop" }, spec: { podSelector: {} } });
    // Another kind's change moves the resourceVersion on; the bookmark tells the policy watch.
    const rv = c.api.apply("ADDED", { apiVersion: "v1", kind: "Namespace", metadata: { name: "elsewhere" } });
    const added = await stream.next("update");
    assert.deepEqual(added.changes, ["ADDED Namespace elsewhere"], "the unknown deletion is no change");
    assert.equal(added.version, hello.version + 1);
    c.api.bookmark();
    await new Promise((r) => setTimeout(r, 300));
    const before = c.api.requests.length;
    c.api.dropWatches();
    await waitFor(() => c.api.requests.slice(before).some((r) => r.startsWith("GET /apis/networking.k8s.io/v1/networkpolicies?") && r.includes("watch=true")), "the resumed watch");
    const resumed = c.api.requests.slice(before).find((r) => r.startsWith("GET /apis/networking.k8s.io/v1/networkpolicies?") && r.includes("watch=true"))!;
    assert.match(resumed, new RegExp(`resourceVersion=${rv}\\b`));
  } finally { stream.close(); await s.stop(); await c.cleanup(); }
});

test("serve: a watch that keeps failing is retried with backoff, said once, shown in /healthz, and said again when it resumes; no change is lost", async () => {
  const c = await cluster();
  const s = await serve(["--kubeconfig", c.kubeconfig]);
  const stream = await events(s.url + "api/v1/events");
  try {
    await stream.next("hello");
    assert.equal((await getJson(s.url + "healthz")).body.status, "ok");
    c.api.watchForbidden.add("networkpolicies");
    c.api.dropWatches();
    await waitFor(() => /the watch of networkpolicies failed \(.*403.*\); retrying in [\d.]+ s, then at most every 5 s, to resume from resourceVersion \d+; until then its changes are not seen/.test(s.stderr()), "the failure report");
    const health = (await getJson(s.url + "healthz")).body;
    assert.equal(health.status, "degraded");
    assert.ok(health.stale.some((x: string) => x.startsWith("networkpolicies: ")), JSON.stringify(health));
    // A change while the watch is down arrives once it resumes.
    const web = shopObjects().find((o) => o.kind === "NetworkPolicy" && o.metadata.name === "web")!;
    web.metadata.labels = { touched: "1" };
    c.api.apply("MODIFIED", web);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(s.stderr().match(/the watch of networkpolicies failed/g)?.length, 1, "said once, not per retry");
    // The dropped connections of the other kinds resumed at once: nothing was said about them.
    assert.doesNotMatch(s.stderr(), /the watch of (pods|namespaces) (failed|resumed)/);
    c.api.watchForbidden.clear();
    const update = await stream.next("update", 15000);
    assert.deepEqual(update.changes, ["MODIFIED NetworkPolicy shop/web"]);
    assert.match(s.stderr(), /the watch of networkpolicies resumed from resourceVersion \d+/);
    assert.equal((await getJson(s.url + "healthz")).body.status, "ok");
  } finally { stream.close(); await s.stop(); await c.cleanup(); }
});
