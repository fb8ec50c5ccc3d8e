import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";

interface Target { workload: string; protocol: string; port: number; hop: string; reason?: string }
interface Exposure { kind: string; exposedBy: string; entry: string; backend: string; from: string; targets: Target[]; problem?: string }
interface Report { exposures: Exposure[]; blocked: number; unrouted: { workload: string; conns: string; routed: boolean }[] }

async function exposure(args: string[], stdin = ""): Promise<{ code: number; report: Report }> {
  const r = await cli(["exposure", ...args, "-o", "json", "-q"], stdin);
  assert.ok(r.code === 0 || r.code === 1, r.err);
  return { code: r.code, report: JSON.parse(r.out) };
}

const row = (rep: Report, kind: string, backend: string) => rep.exposures.find((e) => e.kind === kind && e.backend === backend);

test("the example: Ingress paths to workloads, with the controller's hop allowed or blocked by the policies", async () => {
  const { report } = await exposure(["-f", "examples/ingress"]);
  const storefront = row(report, "Ingress", "shop/storefront:80")!;
  assert.equal(storefront.exposedBy, "shop/shop");
  assert.equal(storefront.entry, "HTTPS :443 shop.example.com /");
  assert.equal(storefront.from, "ingress-nginx/ingress-nginx-controller");
  assert.deepEqual(storefront.targets, [{ workload: "shop/storefront[Deployment]", protocol: "TCP", port: 8080, hop: "allowed" }]);
  const admin = row(report, "Ingress", "shop/admin:80")!;
  assert.deepEqual(admin.targets.map((t) => [t.workload, t.port, t.hop]), [["shop/admin[Deployment]", 8000, "blocked"]]);
  assert.match(admin.targets[0].reason!, /isolated by NetworkPolicy shop\/default-deny/);
  assert.equal(report.exposures.filter((e) => e.entry.startsWith("HTTP :80")).length, 0, "the HTTP listener only redirects to HTTPS: it exposes no backend");
});

test("the example: LoadBalancer and NodePort Services are reached from outside addresses", async () => {
  const { report } = await exposure(["-f", "examples/ingress"]);
  const lb = row(report, "LoadBalancer", "ingress-nginx/ingress-nginx-controller:443")!;
  assert.match(lb.entry, /TCP :443 \(load balancer; also nodePort 30443 on every node\)/);
  assert.deepEqual(lb.targets.map((t) => [t.port, t.hop]), [[443, "allowed"]]);
  const nodePort = row(report, "NodePort", "shop/exporter:9100")!;
  // externalTrafficPolicy Cluster: kube-proxy masquerades, so the exporter sees a node's address, never the
  // client's: its 10.0.0.0/8 ipBlock, meant for the nodes, admits every client through the node port.
  assert.deepEqual(nodePort.targets.map((t) => t.hop), ["allowed"]);
  assert.equal(nodePort.from, "outside the cluster; the pods see a node's address (kube-proxy masquerades: externalTrafficPolicy Cluster)");
  // Without the Nodes the address is unknown: the block admits none, and the row says why.
  const { report: noNodes } = await exposure(["examples/ingress/controller.yaml", "examples/ingress/ingresses.yaml", "examples/ingress/policies.yaml", "examples/ingress/shop.yaml"].flatMap((f) => ["-f", f]));
  const unknown = row(noNodes, "NodePort", "shop/exporter:9100")!;
  assert.deepEqual(unknown.targets.map((t) => t.hop), ["blocked"]);
  assert.match(unknown.from, /the pods see a node's address \(kube-proxy masquerades: externalTrafficPolicy Cluster\); no Node is in the input/);
});

test("the example: a workload the policies open to the internet without any route is flagged; --check exits 1", async () => {
  const { code, report } = await exposure(["-f", "examples/ingress", "--check"]);
  assert.deepEqual(report.unrouted.map(({ workload, conns, routed }) => ({ workload, conns, routed })), [
    // Exposure is per port: the controller's LoadBalancer routes 80 and 443, yet every other port is open to the world.
    { workload: "ingress-nginx/ingress-nginx-controller[Deployment]", conns: "SCTP 1-65535,TCP 1-79,81-442,444-65535,UDP 1-65535", routed: true },
    { workload: "shop/debug[Deployment]", conns: "TCP 2222", routed: false },
  ]);
  assert.equal(code, 1);
});

test("exposure is per port: a routed workload whose other ports the policies open to the world is flagged; closing them clears it", async () => {
  const app = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: web}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080}, {containerPort: 9090}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {type: LoadBalancer, selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: open, namespace: web}
spec:
  podSelector: {}
  ingress: [{ports: [{port: 8080}, {port: 9090}]}]
`;
  const open = await exposure(["-f", "-", "--check"], app);
  assert.deepEqual(open.report.unrouted.map((u) => [u.workload, u.conns, u.routed]), [["web/api[Deployment]", "TCP 9090", true]]);
  assert.equal(open.code, 1);
  const closed = await exposure(["-f", "-", "--check"], app.replace("{port: 8080}, {port: 9090}", "{port: 8080}"));
  assert.deepEqual(closed.report.unrouted, []);
  assert.equal(closed.code, 0);
});

test("Gateway API: routes attached to a Gateway's listeners, with the hop from the Gateway's pods", async () => {
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec:
  gatewayClassName: example
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: web}
spec:
  parentRefs: [{name: public, namespace: infra}]
  hostnames: [api.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /v1}}]
    backendRefs: [{name: api, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /gone}}]
    backendRefs: [{name: missing, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: web}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: web, labels: {app: api}}
spec: {containers: [{name: c}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-gateway, namespace: web}
spec:
  podSelector: {}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: infra}}, podSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: public}}}]}]
`;
  const { report } = await exposure(["-f", "-"], yaml);
  const api = row(report, "Gateway", "web/api:80")!;
  assert.equal(api.exposedBy, "infra/public");
  assert.equal(api.entry, "HTTP :80 api.example.com /v1");
  assert.match(api.from, /^assumed: a pod labelled gateway\.networking\.k8s\.io\/gateway-name=public in namespace infra/);
  assert.deepEqual(api.targets, [{ workload: "web/api-1[Pod]", protocol: "TCP", port: 8080, hop: "allowed" }]);
  assert.match(row(report, "Gateway", "web/missing:80")!.problem!, /BackendNotFound: Service web\/missing not found/);
  const blocked = await exposure(["-f", "-"], yaml.replace("gateway-name: public}", "gateway-name: other}"));
  assert.equal(row(blocked.report, "Gateway", "web/api:80")!.targets[0].hop, "blocked");
  // Envoy Gateway's Envoy runs in its own namespace with its owner labels (translator.go OwningGatewayNameLabel,
  // OwningGatewayNamespaceLabel): those pods are the hop's source, not a stand-in in the Gateway's namespace.
  const eg = `---\napiVersion: v1\nkind: Pod\nmetadata: {name: envoy-infra-public-0, namespace: envoy-gateway-system, labels: {gateway.envoyproxy.io/owning-gateway-name: public, gateway.envoyproxy.io/owning-gateway-namespace: infra}}\nspec: {containers: [{name: envoy}]}\n`;
  const owned = await exposure(["-f", "-"], yaml + eg);
  const hop = row(owned.report, "Gateway", "web/api:80")!;
  assert.equal(hop.from, "envoy-gateway-system/envoy-infra-public-0");
  assert.equal(hop.targets[0].hop, "blocked", "was allowed: the stand-in pod in infra passed the NetworkPolicy the real pods do not");
});

test("Envoy Gateway's pods, in its own namespace labelled with their owner (helpers.go OwnerLabels) or by class when merged, make the hop (was: an assumed pod in the Gateway's namespace, blocked)", async () => {
  const yaml = (podLabels: string, controller = "gateway.envoyproxy.io/gatewayclass-controller") => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: ${controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: public, namespace: infra}
spec:
  gatewayClassName: eg
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: api, namespace: infra}
spec:
  parentRefs: [{name: public}]
  rules: [{backendRefs: [{name: api, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: infra}
spec: {selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: api-1, namespace: infra, labels: {app: api}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: envoy-infra-public-1, namespace: envoy-gateway-system, labels: {${podLabels}}}
spec: {containers: [{name: envoy}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-envoy, namespace: infra}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: envoy-gateway-system}}, podSelector: {matchLabels: {app.kubernetes.io/component: proxy}}}]}]
`;
  const owned = "app.kubernetes.io/component: proxy, gateway.envoyproxy.io/owning-gateway-namespace: infra, gateway.envoyproxy.io/owning-gateway-name: public";
  const merged = "app.kubernetes.io/component: proxy, gateway.envoyproxy.io/owning-gatewayclass: eg";
  for (const labels of [owned, merged]) {
    const api = row((await exposure(["-f", "-"], yaml(labels))).report, "Gateway", "infra/api:80")!;
    assert.equal(api.from, "envoy-gateway-system/envoy-infra-public-1", labels);
    assert.deepEqual(api.targets.map((t) => [t.workload, t.hop]), [["infra/api-1[Pod]", "allowed"]], labels);
  }
  // Owned by another Gateway: not this Gateway's pods. (gateway/pods.ts gatewayPods reads Envoy Gateway's owner
  // labels for a Gateway of Envoy Gateway's class, or of a class the input lacks: test/gateway/client-peer.test.ts.)
  for (const other of [yaml(owned.replace("owning-gateway-name: public", "owning-gateway-name: private"))]) {
    const api = row((await exposure(["-f", "-"], other)).report, "Gateway", "infra/api:80")!;
    assert.match(api.from, /^assumed: /);
    assert.equal(api.targets[0].hop, "blocked");
  }
});
