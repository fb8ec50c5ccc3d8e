// Which TLS a client sidecar sends on a hop, per DestinationRule cluster (model/mesh.ts istioClusterTls,
// l7/transport.ts clientMode): pilot's MergeSubsetTrafficPolicy (util.go) for the subset a
// VirtualService route picked, GetPortLevelTrafficPolicy's wholesale port-level settings, and
// mergeDestinationRule's adoption of a later rule's trafficPolicy (destination_rule.go). Before: a
// subset's trafficPolicy was an info "not read", a port-level entry without `tls` inherited the rule's,
// and only the oldest rule's trafficPolicy counted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER } from "./fixture.js";

/** Every pod runs an Istio sidecar; shop's proxies accept mutual TLS only. */
const WORLD = CLUSTER.replaceAll("spec: {containers: [", "spec: {containers: [{name: istio-proxy, image: proxy}, ") + `
---
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: strict, namespace: shop}
spec: {mtls: {mode: STRICT}}
`;

const dr = (name: string, spec: string, created = "2024-01-01T00:00:00Z") => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: shop, creationTimestamp: "${created}"}
spec:
  host: api.shop.svc.cluster.local
${spec}
`;

const VS = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
  - match: [{headers: {end-user: {exact: jason}}}]
    route: [{destination: {host: api, subset: v2}}]
  - route: [{destination: {host: api, subset: v1}}]
`;

async function run(yaml: string, headers: string[] = []): Promise<{ code: number; out: string; err: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try { return await cli(["route", "-q", "-f", dir, "--from", "web/client", "--request", "GET http://api.shop/", ...headers.flatMap((h) => ["-H", h])]); } finally { cleanup(); }
}

/** The authorization layer's line of `junction route`. */
async function authz(yaml: string, headers: string[] = []): Promise<string> {
  const r = await run(yaml, headers);
  assert.equal(r.code, 0, r.err + r.out);
  return r.out.split("\n").find((l) => /^\s+authorization\s/.test(l)) ?? r.out;
}

test("a subset's own trafficPolicy.tls overrides the rule's for the requests the VirtualService sends to it (MergeSubsetTrafficPolicy)", async () => {
  const yaml = WORLD + VS + dr("api", `  trafficPolicy: {tls: {mode: DISABLE}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}, trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}}`);
  assert.match(await authz(yaml, ["end-user: jason"]), /passed\s+mutual TLS \(DestinationRule shop\/api subset v2 sets ISTIO_MUTUAL\)/, "v2: ISTIO_MUTUAL (was: the rule's DISABLE, refused by STRICT)");
  assert.match(await authz(yaml), /decided\s+the client sends plaintext \(DestinationRule shop\/api subset v1 disables TLS\) and the server requires mutual TLS \(STRICT\)/, "v1 has none of its own: the rule's DISABLE");
});

test("a subset's portLevelSettings entry for the port replaces its policy wholesale: without tls, auto mTLS, not the rule's DISABLE", async () => {
  const yaml = WORLD + VS + dr("api", `  trafficPolicy: {tls: {mode: DISABLE}}
  subsets:
  - {name: v1, labels: {version: v1}}
  - name: v2
    labels: {version: v2}
    trafficPolicy: {portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]}`);
  assert.match(await authz(yaml, ["end-user: jason"]), /passed\s+mutual TLS \(auto mTLS/);
});

test("a rule's portLevelSettings entry without tls does not inherit the rule's tls (GetPortLevelTrafficPolicy: 'port level policies do not inherit')", async () => {
  const yaml = WORLD + dr("api", `  trafficPolicy:
    tls: {mode: DISABLE}
    portLevelSettings: [{port: {number: 80}, loadBalancer: {simple: ROUND_ROBIN}}]`);
  assert.match(await authz(yaml), /passed\s+mutual TLS \(auto mTLS/, "was: DISABLE inherited, the connection refused by STRICT");
  const other = yaml.replace("number: 80", "number: 8080");
  assert.match(await authz(other), /decided\s+the client sends plaintext/, "another port's entry: the rule's DISABLE applies to port 80");
});

test("two rules for one host in one namespace merge: the newer one's trafficPolicy is taken when the older has none (mergeDestinationRule), never over the older's", async () => {
  const older = dr("api", "  subsets: [{name: v1, labels: {version: v1}}]", "2024-01-01T00:00:00Z");
  const newer = dr("api-tls", "  trafficPolicy: {tls: {mode: DISABLE}}", "2024-02-01T00:00:00Z");
  assert.match(await authz(WORLD + older + newer), /decided\s+the client sends plaintext \(DestinationRule shop\/api disables TLS\)/, "was: the older rule alone, auto mTLS");
  const olderWithPolicy = dr("api", "  trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}\n  subsets: [{name: v1, labels: {version: v1}}]", "2024-01-01T00:00:00Z");
  assert.match(await authz(WORLD + olderWithPolicy + newer), /passed\s+mutual TLS \(auto mTLS/, "the older has a trafficPolicy: the newer's is not taken");
});

test("istiod's validateTrafficPolicy: an empty trafficPolicy (a subset's too), a port-level entry without port or without any field are refused with file:line:field", async () => {
  const r = await run(WORLD + dr("api", `  trafficPolicy:
    portLevelSettings: [{loadBalancer: {simple: ROUND_ROBIN}}, {port: {number: 80}}]
  subsets: [{name: v1, labels: {version: v1}, trafficPolicy: {}}]`));
  assert.notEqual(r.code, 0);
  for (const want of [/a\.yaml:\d+:?\d* spec\.trafficPolicy\.portLevelSettings\[0\]: portTrafficPolicy must have valid port/,
    /spec\.trafficPolicy\.portLevelSettings\[1\]: port traffic policy must have at least one field/, /spec\.subsets\[0\]\.trafficPolicy: traffic policy must have at least one field/]) assert.match(r.err + r.out, want);
});

test("a VirtualService destination on another Service: the client's TLS is the DestinationRule of the cluster it connects to (outbound|80||api-v2), not the dialled Service's (l7/transport.ts took the dialled one's)", async () => {
  const toV2 = `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: shop}
spec:
  hosts: [api]
  http:
  - route: [{destination: {host: api-v2}}]
`;
  const v2Rule = (mode: string) => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api-v2, namespace: shop}
spec:
  host: api-v2.shop.svc.cluster.local
  trafficPolicy: {tls: {mode: ${mode}}}
`;
  assert.match(await authz(WORLD + toV2 + v2Rule("DISABLE")), /plaintext .*DestinationRule shop\/api-v2 disables TLS/, "api-v2's DISABLE under STRICT: refused (was: auto mTLS, allowed)");
  assert.match(await authz(WORLD + toV2 + dr("api", "  trafficPolicy: {tls: {mode: DISABLE}}")), /passed\s+mutual TLS \(auto mTLS/, "the dialled api's DISABLE does not apply to api-v2's cluster (was: refused)");
});
