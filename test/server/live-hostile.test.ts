// Live mode against a broken or hostile API server: watch streams with lines that are not JSON,
// events that are not objects of the watched kind or have no name, a line longer than any object,
// pagination that never ends. Never a crash, a hang or unbounded memory: such an event changes
// nothing, a broken stream ends the watch, which resumes from the last resourceVersion.

import { test } from "node:test";
import assert from "node:assert/strict";
import { FakeApiServer } from "../fixtures/fake-apiserver.js";
import { tempFiles } from "../helpers.js";
import { waitFor } from "./helpers.js";
import { LiveCluster, type ObjectChange } from "../../src/sources/live/cluster.js";

const np = (name: string) => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace: "shop" }, spec: { podSelector: {} } });
const until = (what: () => boolean) => waitFor(what, "the live cluster", 20000);

test("a watch stream's broken lines change nothing and never crash: wrong kinds, no metadata, not JSON, a line beyond the event limit; the watch resumes and later changes arrive", async () => {
  const api = await new FakeApiServer().start();
  const t = tempFiles({});
  const live = await LiveCluster.open({ kubeconfig: api.writeKubeconfig(`${t.dir}/kubeconfig`), namespaces: ["shop"] });
  try {
    live.client.maxEventBytes = 4096;
    const changes: ObjectChange[] = [], troubles: string[] = [];
    live.watch((c) => changes.push(...c), (m) => troubles.push(m));
    // Every kind's watch open (the count stays the same for a while).
    let seen = -1, since = Date.now();
    await until(() => { if (api.openWatches !== seen) { seen = api.openWatches; since = Date.now(); } return seen > 0 && Date.now() - since > 500; });
    const watches = api.openWatches;
    // Events no API server sends: changes nothing.
    api.sendRaw([
      { type: "ADDED", object: { apiVersion: "v1", kind: "Bogus", metadata: { name: "x", namespace: "shop" } } },
      { type: "ADDED", object: { metadata: "x" } }, { type: "ADDED", object: {} }, { type: "ADDED", object: [1] },
      { type: "ADDED" }, { type: "ADDED", object: { metadata: { name: 5 } } }, { type: "SURPRISE", object: np("s") },
    ].map((e) => JSON.stringify(e)).join("\n") + "\n");
    api.apply("ADDED", np("one"));
    await until(() => changes.length > 0);
    assert.deepEqual(changes.map((c) => [c.type, (c.object.obj.metadata as { name: string }).name]), [["ADDED", "one"]]);
    // A line that is not JSON ends the watch; it resumes from the last resourceVersion and loses nothing.
    const before = api.requests.filter((r) => r.includes("watch=true")).length;
    api.sendRaw("this is no JSON\n");
    await until(() => api.requests.filter((r) => r.includes("watch=true")).length > before && api.openWatches >= watches);
    api.apply("ADDED", np("two"));
    await until(() => changes.length > 1);
    // Each failing watch says why, once (serve prints it on stderr).
    assert.ok(troubles.some((m) => /^the watch of networkpolicies in shop failed \(https:\/\/127\.0\.0\.1:\d+\/apis\/networking\.k8s\.io\/v1\/namespaces\/shop\/networkpolicies \(watch\): a line of the stream is not JSON: "this is no JSON"\); retrying in [\d.]+ s, then at most every 5 s, to resume from resourceVersion \d+; until then its changes are not seen$/.test(m)), troubles.join("\n"));
    // A line longer than an event may be (no newline ever comes): the watch ends at the limit.
    const again = api.requests.filter((r) => r.includes("watch=true")).length;
    api.sendRaw("{\"type\":\"ADDED\",\"object\":{\"x\":\"" + "x".repeat(64 * 1024));
    await until(() => api.requests.filter((r) => r.includes("watch=true")).length > again && api.openWatches >= watches);
    api.apply("ADDED", np("three"));
    await until(() => changes.length > 2);
    assert.deepEqual(changes.map((c) => (c.object.obj.metadata as { name: string }).name), ["one", "two", "three"]);
    // A watch the server refuses says so, with the Status's message, once however often it is retried.
    api.watchForbidden.add("networkpolicies");
    api.dropWatches();
    await until(() => troubles.some((m) => m.includes("answered 403")));
    assert.match(troubles.find((m) => m.includes("answered 403"))!, /^the watch of networkpolicies in shop failed \(.*\(watch\): the API server answered 403 \(networkpolicies is forbidden: User "system:serviceaccount:junction:reader" cannot watch resource "networkpolicies"\)\); retrying in [\d.]+ s, then at most every 5 s, to resume from resourceVersion \d+; until then its changes are not seen$/);
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(troubles.filter((m) => m.includes("answered 403")).length, 1);
    api.watchForbidden.clear();
    await until(() => api.openWatches >= watches);
    // An int64 in a watch event is read as in a list (int64Exact): 2^63-1 stays below 2^63.
    api.sendRaw(JSON.stringify({ type: "MODIFIED", object: { ...np("three"), metadata: { name: "three", namespace: "shop", resourceVersion: "99999" } } }).replace('"spec":{', '"spec":{"x":9223372036854775807,') + "\n");
    await until(() => changes.length > 3);
    assert.equal((changes[3].object.obj.spec as { x: number }).x, 9223372036854774784);
  } finally {
    live.close();
    await api.stop();
    t.cleanup();
  }
});

test("a list whose continue token never changes, or is not a string, is a one-line error, not an endless list", async () => {
  const api = await new FakeApiServer().start();
  const t = tempFiles({});
  try {
    const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`);
    for (const token of ["same", 5]) {
      api.listAnswer = (path) => path.endsWith("/networkpolicies") ? { kind: "NetworkPolicyList", apiVersion: "networking.k8s.io/v1", metadata: { continue: token, resourceVersion: "1" }, items: [] } : undefined;
      await assert.rejects(LiveCluster.open({ kubeconfig, namespaces: [] }), (e: Error) => /^listing networkpolicies: the API server's answer has a continue token (equal to the one asked with|that is not a string)/.test(e.message));
    }
  } finally {
    await api.stop();
    t.cleanup();
  }
});

test("a list answer that is not JSON, or has no items, is a one-line error, never an empty list (which would read as no NetworkPolicies: everything allowed)", async () => {
  const api = await new FakeApiServer().start();
  const t = tempFiles({});
  try {
    const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`);
    for (const [answer, says] of [
      ["<html>sign in to the proxy</html>", /^https:\/\/127\.0\.0\.1:\d+\/apis\/networking\.k8s\.io\/v1\/networkpolicies: the API server's answer is not JSON \("<html>sign in/],
      [{ kind: "NetworkPolicyList", apiVersion: "networking.k8s.io/v1", metadata: { resourceVersion: "1" } }, /\/apis\/networking\.k8s\.io\/v1\/networkpolicies: the API server's answer has no "items": it is not a list/],
      [{}, /has no "items"/],
    ] as const) {
      api.listAnswer = (path) => path.endsWith("/networkpolicies") ? answer : undefined;
      await assert.rejects(LiveCluster.open({ kubeconfig, namespaces: [] }), (e: Error) => says.test(e.message));
    }
    // items: null is an empty list (Go writes a nil slice so).
    api.listAnswer = (path) => path.endsWith("/networkpolicies") ? { kind: "NetworkPolicyList", apiVersion: "networking.k8s.io/v1", metadata: { resourceVersion: "1" }, items: null } : undefined;
    const live = await LiveCluster.open({ kubeconfig, namespaces: [] });
    live.close();
  } finally {
    await api.stop();
    t.cleanup();
  }
});

test("an API server's error message is quoted capped, never half a character, and a message that is not a string is none", async () => {
  const { serverSaid } = await import("../../src/sources/live/client.js");
  const long = `${"x".repeat(199)}\u{1F600}${"y".repeat(5000)}`;
  assert.equal(serverSaid(long), ` (${"x".repeat(199)}... (5200 characters))`);
  assert.equal(serverSaid("pods is forbidden"), " (pods is forbidden)");
  for (const none of [undefined, "", { reason: "x" }, 403]) assert.equal(serverSaid(none), "");
});

test("an object nested more than 1000 levels deep from the API server (JSON.parse reads it; the readers' recursion overflowed the stack) fails the list or ends the watch, as a file with it is refused", async () => {
  const api = await new FakeApiServer().start();
  const t = tempFiles({});
  let deep: Record<string, unknown> = {};
  const root = deep;
  for (let i = 0; i < 1500; i++) { const next = {}; deep.x = next; deep = next; }
  try {
    api.seed([{ ...np("deep"), spec: { podSelector: {}, x: root } }]);
    await assert.rejects(LiveCluster.open({ kubeconfig: api.writeKubeconfig(`${t.dir}/kubeconfig`), namespaces: ["shop"] }), /networkpolicies: the API server's answer is nested more than 1000 levels deep/);
  } finally { await api.stop(); }
  const api2 = await new FakeApiServer().start();
  const live = await LiveCluster.open({ kubeconfig: api2.writeKubeconfig(`${t.dir}/kubeconfig2`), namespaces: ["shop"] });
  try {
    const troubles: string[] = [];
    live.watch(() => {}, (m) => troubles.push(m));
    await until(() => api2.openWatches > 0);
    await new Promise((r) => setTimeout(r, 300));
    api2.sendRaw(JSON.stringify({ type: "ADDED", object: { ...np("deep"), spec: { podSelector: {}, x: root } } }) + "\n");
    await until(() => troubles.some((m) => m.includes("nested more than 1000 levels deep")));
  } finally { live.close(); await api2.stop(); t.cleanup(); }
});
