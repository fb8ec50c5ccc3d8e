// The address an Istio gateway's pod sees its client connect from, behind its LoadBalancer Service:
// under externalTrafficPolicy Cluster kube-proxy masquerades the client to the node it entered
// (nginx-source.ts sourceSeenBy). When the input does not hold that node's address, the policies'
// ipBlocks and remoteIpBlocks are judged for every address (l7/istio.ts unknownAddress), not the
// client's own: a wrong "allowed" before.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const world = (policy: string, extra = "") => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: istio.io/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec: {gatewayClassName: istio, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: gw-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}
spec: {nodeName: n1, containers: [{name: istio-proxy, ports: [{containerPort: 80}]}]}
status: {podIP: 10.0.9.9}
---
apiVersion: v1
kind: Service
metadata: {name: gw-istio, namespace: infra}
spec: {type: LoadBalancer, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80, targetPort: 80}]${extra}}
status: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: shop}
spec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: api, port: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: app, ports: [{containerPort: 8080}]}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: office, namespace: infra}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]
${policy}
`;

async function status(yaml: string): Promise<{ status: number | null; unknown?: string }> {
  const f = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", f.dir, "--gateway", "infra/gw", "--from", "ip:203.0.113.5", "--request", "GET http://x.example/", "-o", "json"]);
    assert.equal(r.err, "");
    return (JSON.parse(r.out) as { results: { status: number | null; unknown?: string }[] }).results[0];
  } finally { f.cleanup(); }
}

test("an Istio gateway behind a masquerading LoadBalancer (externalTrafficPolicy Cluster) does not see the client's address: an ipBlocks ALLOW on the client's range is unknown, not allowed", async () => {
  const allow = "  rules: [{from: [{source: {ipBlocks: [203.0.113.0/24]}}]}]";
  const masq = await status(world(allow));
  assert.equal(masq.status, null, "was 200: the client's own address was judged (a wrong allowed)");
  assert.match(masq.unknown ?? "", /does not hold .*masquerade/);
  assert.equal((await status(world(allow, ", externalTrafficPolicy: Local"))).status, 200, "Local keeps the client's address");
  assert.equal((await status(world("  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]"))).status, null, "remote.ip is the peer at a gateway: unknown too (was 403)");
  assert.equal((await status(world("  rules: [{to: [{operation: {methods: [GET]}}]}]"))).status, 200, "a policy without addresses answers alike for every address");
});

test("an Istio gateway whose pods are not in the input: a policy naming it by targetRefs (or one a selector of its namespace or the root's may apply) makes the answer unknown, as its Envoy enforces it before routing (was: 200 past a DENY of everything)", async () => {
  const noPods = (policy: string) => world(policy).split("---\n").filter((d) => !d.includes("name: gw-0") && !d.includes("name: gw-istio")).join("---\n");
  const denied = await status(noPods("  action: DENY\n  rules: [{}]"));
  assert.equal(denied.status, null);
  assert.match(denied.unknown ?? "", /the gateway's pods are not in the input: the AuthorizationPolicies infra\/office may select them/);
  // AUDIT only logs; a policy naming another Gateway does not apply: the answer stands.
  assert.equal((await status(noPods("  action: AUDIT\n  rules: [{}]"))).status, 200);
  assert.equal((await status(noPods("  action: DENY\n  rules: [{}]").replace("kind: Gateway, name: gw}", "kind: Gateway, name: other}"))).status, 200);
});
