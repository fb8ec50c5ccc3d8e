// Where the order of two objects without a creationTimestamp decides an authorization answer, the
// answer says so (model/time.ts untimedTie): Linkerd Servers selecting one pod port, PeerAuthentications
// of one level.

import { test } from "node:test";
import assert from "node:assert/strict";
import { outcome, pod, world } from "./fixture.js";

const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("edge", "out", "192.0.2.7");

test("two Linkerd Servers select one pod port: the older takes it (policy-controller index.rs reindex_servers: sorted by created_at, then name; the other is \"already matched\"), and without timestamps the answer notes that the order decided", () => {
  const server = (name: string, policy: string, created?: string) => `apiVersion: policy.linkerd.io/v1beta3\nkind: Server\nmetadata: {name: ${name}, namespace: shop${created ? `, creationTimestamp: "${created}"` : ""}}\nspec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1, accessPolicy: ${policy}}\n---\n`;
  const proxies = { web: "linkerd", api: "linkerd", out: "none" } as const;
  const untimed = world(base + server("a-open", "all-unauthenticated") + server("b-closed", "deny"), proxies);
  const r = untimed.ask("edge/out", "shop/api", 8080, { http: { path: "/" } });
  assert.equal(outcome(r), "allow", "a-open comes first by name");
  assert.match(r.layers.at(-1)!.warnings.join("\n"), /neither Server shop\/a-open nor Server shop\/b-closed has a creationTimestamp: .*the policy controller's order \(by name\) puts Server shop\/a-open first/);
  assert.match(r.layers.at(-1)!.trace.join("\n"), /port 8080 is Server shop\/a-open .*not shop\/b-closed/);
  const timed = world(base + server("a-open", "all-unauthenticated", "2024-02-01T00:00:00Z") + server("b-closed", "deny", "2024-01-01T00:00:00Z"), proxies);
  const t = timed.ask("edge/out", "shop/api", 8080, { http: { path: "/" } });
  assert.equal(outcome(t), "403", "b-closed is older: it takes the port");
  assert.deepEqual(t.layers.at(-1)!.warnings, [], "timestamps decide: no note");
});

test("two PeerAuthentications of one level without timestamps: pilot takes the first by name (config.go configCompareByCreationTime, policy_applier.go \"CreationTimestamp.Before\"), and the answer notes it when their modes differ", () => {
  const pa = (name: string, mode: string, created?: string) => `apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: ${name}, namespace: shop${created ? `, creationTimestamp: "${created}"` : ""}}\nspec: {selector: {matchLabels: {app: api}}, mtls: {mode: ${mode}}}\n---\n`;
  const w = world(base + pa("a-strict", "STRICT") + pa("b-permissive", "PERMISSIVE"), { out: "none" });
  const r = w.ask("edge/out", "shop/api", 8080, { http: { path: "/" } });
  assert.equal(outcome(r), "failed", "a-strict comes first: plaintext is refused");
  assert.match(r.layers[0].warnings.join("\n"), /neither PeerAuthentication shop\/a-strict nor PeerAuthentication shop\/b-permissive has a creationTimestamp/);
  const same = world(base + pa("a-strict", "STRICT") + pa("b-strict", "STRICT"), { out: "none" });
  assert.deepEqual(same.ask("edge/out", "shop/api", 8080, { http: { path: "/" } }).layers[0].warnings, [], "the same mode either way: the order does not decide");
  const timed = world(base + pa("a-strict", "STRICT", "2024-02-01T00:00:00Z") + pa("b-permissive", "PERMISSIVE", "2024-01-01T00:00:00Z"), { out: "none" });
  const t = timed.ask("edge/out", "shop/api", 8080, { http: { path: "/" } });
  assert.equal(outcome(t), "allow", "b-permissive is older");
  assert.deepEqual(t.layers[0].warnings, []);
});

test("a pod's config.linkerd.io/default-inbound-policy that is no policy name: the policy controller ignores it and takes the cluster default (Settings::from_metadata \"invalid default policy annotation value\"), and the answer warns (was silent)", () => {
  const api = pod("shop", "api", "10.0.0.2").replace("labels: {\"app\":\"api\"}}", "labels: {\"app\":\"api\"}, annotations: {config.linkerd.io/default-inbound-policy: Deny}}");
  const w = world(pod("shop", "web", "10.0.0.1") + api + pod("edge", "out", "192.0.2.7"), { web: "linkerd", api: "linkerd", out: "none" });
  const r = w.ask("edge/out", "shop/api", 8080, { http: { path: "/" } });
  assert.equal(outcome(r), "allow", "\"Deny\" is not \"deny\": the cluster default all-unauthenticated");
  assert.match(r.layers.at(-1)!.warnings.join("\n"), /"Deny" is no default policy: the policy controller ignores it/);
});
