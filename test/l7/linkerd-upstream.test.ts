// Linkerd inbound policy where Junction differed from the policy controller and the proxy (the
// twenty-first stop's audit): how references name kinds (policy-controller/k8s/api/src/policy.rs
// targets_kind) and the probe route of "/" (linkerd-http-route RequestMatch's Ord).

import { test } from "node:test";
import assert from "node:assert/strict";
import { formatDiagnostic } from "../../src/model/source.js";
import { load } from "../helpers.js";
import { outcome, pod, world } from "./fixture.js";

const LINKERD = { web: "linkerd", api: "linkerd", x: "linkerd" } as const;
const base = pod("shop", "web", "10.0.0.1") + pod("shop", "api", "10.0.0.2") + pod("other", "x", "10.0.1.1", { sa: "robot" });
const server = `apiVersion: policy.linkerd.io/v1beta3
kind: Server
metadata: {name: api, namespace: shop}
spec: {podSelector: {matchLabels: {app: api}}, port: 8080, proxyProtocol: HTTP/1}
---
`;
const req = (path: string, method = "GET") => ({ http: { path, method } });
const policy = (target: string, refs: string) => `apiVersion: policy.linkerd.io/v1alpha1
kind: AuthorizationPolicy
metadata: {name: p, namespace: shop}
spec: {targetRef: ${target}, requiredAuthenticationRefs: ${refs}}
---
`;

test("targets_kind: a reference's kind is read in any case, and an empty or absent group is \"core\" (a Namespace or ServiceAccount of group core)", () => {
  const mtls = `apiVersion: policy.linkerd.io/v1alpha1
kind: MeshTLSAuthentication
metadata: {name: web-only, namespace: shop}
spec: {identityRefs: [{group: core, kind: serviceaccount, name: web}]}
---
`;
  const cases = [
    policy("{group: core, kind: Namespace, name: shop}", "[{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: web-only}]") + mtls,
    policy("{group: policy.linkerd.io, kind: server, name: api}", "[{group: core, kind: ServiceAccount, name: web}]"),
    policy("{kind: namespace, name: shop}", "[{group: policy.linkerd.io, kind: meshtlsauthentication, name: web-only}]") + mtls,
  ];
  for (const yaml of cases) {
    const w = world(base + server + yaml, LINKERD);
    assert.equal(outcome(w.ask("shop/web", "shop/api", 8080, req("/"))), "allow", yaml);
    assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "403", `only web is authorized: ${yaml}`);
  }
  const wrong = load({ "p.yaml": policy("{group: apps, kind: Namespace, name: shop}", "[{kind: ServiceAccount, name: web}]") }).diagnostics.errors.map(formatDiagnostic).join("\n");
  assert.match(wrong, /unsupported target apps\/Namespace/, "another group is not core");
  const badRef = load({ "m.yaml": mtls.replace("group: core", "group: apps") }).diagnostics.errors.map(formatDiagnostic).join("\n");
  assert.match(badRef, /identityRefs name a ServiceAccount or a Namespace \(group core\), not apps\/serviceaccount/);
});

test("a probe of \"/\" (an httpGet probe without a path) takes the probe route: equal path lengths, then its GET outranks the default route (RequestMatch's Ord)", () => {
  const probed = (probe: string) => pod("shop", "api", "10.0.0.2").replace("containerPort: 8080}]}", `containerPort: 8080}], livenessProbe: {httpGet: ${probe}}}`);
  for (const probe of ["{port: 8080}", "{path: /, port: http}"]) {
    const w = world(pod("shop", "web", "10.0.0.1") + probed(probe) + pod("other", "x", "10.0.1.1", { sa: "robot" }) + server, { web: "linkerd", api: "linkerd", x: "none" });
    const r = w.ask("other/x", "shop/api", 8080, req("/"));
    assert.equal(outcome(r), "allow", `${probe}: the Server authorizes nobody, the probe route admits GET / from every address (was 403)`);
    assert.match(r.layers.at(-1)!.summary, /the probe route/);
    assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/", "POST"))), "403", "POST / takes the default route");
    assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/x"))), "403", "the default route's prefix \"/\" matches /x, the probe's exact \"/\" does not");
  }
});

test("a ServerAuthorization with networks: [] admits the cluster networks, as one without networks (grpc/src/inbound.rs to_authz: an empty list becomes cluster_networks)", () => {
  const sa = (client: string) => `apiVersion: policy.linkerd.io/v1beta1
kind: ServerAuthorization
metadata: {name: sa, namespace: shop}
spec: {server: {name: api}, client: ${client}}
---
`;
  const outside = pod("edge", "out", "203.0.113.5");
  for (const client of ["{unauthenticated: true, networks: []}", "{unauthenticated: true}"]) {
    const w = world(base + outside + server + sa(client), { ...LINKERD, x: "none", out: "none" });
    assert.equal(outcome(w.ask("other/x", "shop/api", 8080, req("/"))), "allow", `${client}: 10.0.1.1 is in the cluster networks (was 403: no network matched)`);
    assert.equal(outcome(w.ask("edge/out", "shop/api", 8080, req("/"))), "403", `${client}: 203.0.113.5 is not`);
  }
});
