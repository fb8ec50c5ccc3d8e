// The client Envoy Gateway's Envoy judges (gateway/peer.ts envoyGatewayPeer): its connection's source,
// which behind a LoadBalancer or NodePort Service with externalTrafficPolicy Cluster is the node
// kube-proxy masqueraded an outside client as (pkg/proxy/iptables/proxier.go KUBE-EXT), not the client.
// SecurityPolicy clientCIDRs (HTTP and TCP), rate limits' sourceCIDR and ClientTrafficPolicy
// clientIPDetection (xff trustedCIDRs judge the peer; numTrustedHops and customHeader fall back to it) read it.

import { test } from "node:test";
import assert from "node:assert/strict";
import { envoyGateway, HTTP_ALL, httpRoute, route } from "./fixture.js";
import { parseAddress } from "../../src/model/ip.js";
import { cli, tempFiles } from "../helpers.js";
import { BASE } from "./fixture.js";

const ROUTE = httpRoute("web", "  rules: [{backendRefs: [{name: v1, port: 80}]}]");
/** Envoy Gateway's pod for infra/gw, in its own namespace with its owner labels, and node n1 (10.1.0.1). */
const POD = `---
apiVersion: v1
kind: Pod
metadata: {name: envoy-infra-gw-0, namespace: envoy-gateway-system, labels: {app.kubernetes.io/name: envoy, gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: infra}}
spec: {nodeName: n1, containers: [{name: envoy}]}
status: {podIP: 10.0.7.7}
`;
const NODE = `---
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {addresses: [{type: InternalIP, address: 10.1.0.1}]}
`;
/** The Service Envoy Gateway puts in front of it (`etp`: its externalTrafficPolicy; unset: Kubernetes' Cluster). */
const lb = (etp?: string, port = 80) => `---
apiVersion: v1
kind: Service
metadata: {name: envoy-infra-gw, namespace: envoy-gateway-system}
spec: {type: LoadBalancer, selector: {gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: infra}, ports: [{name: p, port: ${port}, targetPort: 10080}]${etp ? `, externalTrafficPolicy: ${etp}` : ""}}
status: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}
`;
const sp = (spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: office, namespace: infra}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], ${spec}}
`;
const ctp = (spec: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: ctp, namespace: infra}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}], ${spec}}
`;
const ONLY_OFFICE = sp("authorization: {defaultAction: Deny, rules: [{action: Allow, principal: {clientCIDRs: [203.0.113.0/24]}}]}");
const from = (ip: string, headers: [string, string][] = []) => ({ clientAddress: parseAddress(ip)!, headers });
const GW = envoyGateway([HTTP_ALL]);

test("SecurityPolicy clientCIDRs behind Envoy's LoadBalancer Service under externalTrafficPolicy Cluster judge the node kube-proxy masqueraded the client as: an Allow on the clients' range does not let them in (was 200: a wrong allowed)", () => {
  const cluster = route(GW + ROUTE + ONLY_OFFICE + POD + lb() + NODE, from("203.0.113.5"));
  assert.equal(cluster.status, 403, "Envoy's peer is node n1 (10.1.0.1), outside clientCIDRs");
  assert.ok(cluster.steps.some((s) => /Envoy's peer is 10\.1\.0\.1, not the client 203\.0\.113\.5 \(load balancer .* port 80 of Service envoy-gateway-system\/envoy-infra-gw: masqueraded/.test(s.outcome)), JSON.stringify(cluster.steps));
  assert.equal(route(GW + ROUTE + ONLY_OFFICE + POD + lb("Local") + NODE, from("203.0.113.5")).status, 200, "Local keeps the client's address");
  assert.equal(route(GW + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5")).status, 200, "no Service in front: the client's own address");
  assert.equal(route(GW + ROUTE + ONLY_OFFICE + POD + lb(undefined, 8080) + NODE, from("203.0.113.5")).status, 200, "the Service does not carry the listener's port");
  assert.equal(route(GW + ROUTE + ONLY_OFFICE + POD + lb() + NODE, from("10.0.3.3")).status, 403, "a client inside the cluster reaches Envoy directly");
  // The node is not in the input: the address Envoy sees is not known, the answer neither (was 200).
  const unknown = route(GW + ROUTE + ONLY_OFFICE + POD + lb(), from("203.0.113.5"));
  assert.equal(unknown.status, null);
  assert.match(unknown.undetermined ?? "", /Envoy's pods of Gateway infra\/gw see an address the input does not hold as the connection's source, not the client 203\.0\.113\.5 \(.*masqueraded/);
});

test("a rate limit's sourceCIDR matches Envoy's peer, the node behind a masquerading Service: the clients' range is not limited there (was 429)", () => {
  const limit = `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: block, namespace: apps}
spec: {targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: web}], rateLimit: {global: {rules: [{clientSelectors: [{sourceCIDR: {value: 203.0.113.0/24}}], limit: {requests: 0, unit: Second}}]}}}
`;
  assert.equal(route(GW + ROUTE + limit + POD + lb("Local") + NODE, from("203.0.113.5")).status, 429);
  assert.equal(route(GW + ROUTE + limit + POD + lb() + NODE, from("203.0.113.5")).status, 200, "the node's address is outside sourceCIDR");
  const nodes = limit.replace("203.0.113.0/24", "10.1.0.0/16");
  assert.equal(route(GW + ROUTE + nodes + POD + lb() + NODE, from("203.0.113.5")).status, 429, "every outside client shares the node's address (was 200)");
});

test("clientIPDetection on top of the peer: xForwardedFor trustedCIDRs trust the masquerading node (was: the client, untrusted), numTrustedHops and customHeader fall back to it", () => {
  const trusted = ctp("clientIPDetection: {xForwardedFor: {trustedCIDRs: [10.1.0.0/16]}}");
  const yaml = GW + ROUTE + ONLY_OFFICE + POD + lb() + NODE + trusted;
  assert.equal(route(yaml, from("198.51.100.7", [["x-forwarded-for", "203.0.113.9"]])).status, 200, "the node is trusted: Envoy reads the client's own X-Forwarded-For entry (was 403)");
  assert.equal(route(yaml, from("203.0.113.5")).status, 403, "no header: the node's own address (was 200: a wrong allowed)");
  assert.equal(route(GW + ROUTE + ONLY_OFFICE + POD + lb("Local") + NODE + trusted, from("198.51.100.7", [["x-forwarded-for", "203.0.113.9"]])).status, 403, "Local: the client is the peer, untrusted, its header not read");
  const unknown = route(GW + ROUTE + ONLY_OFFICE + POD + lb() + trusted, from("198.51.100.7", [["x-forwarded-for", "203.0.113.9"]]));
  assert.equal(unknown.status, null, "the node is not in the input: whether it is trusted is not known");
  assert.match(unknown.undetermined ?? "", /see an address the input does not hold.*, whose address decides whether ClientTrafficPolicy infra\/ctp's trustedCIDRs let X-Forwarded-For be read/);
  for (const detect of ["xForwardedFor: {numTrustedHops: 1}", "customHeader: {name: x-client-ip}"]) {
    const y = GW + ROUTE + ONLY_OFFICE + POD + lb() + NODE + ctp(`clientIPDetection: {${detect}}`);
    assert.equal(route(y, from("203.0.113.5")).status, 403, `${detect}: no header, the peer is the node (was 200)`);
    const header = detect.startsWith("x") ? "x-forwarded-for" : "x-client-ip";
    assert.equal(route(y, from("198.51.100.7", [[header, "203.0.113.9"]])).status, 200, `${detect}: the header decides`);
  }
});

test("a TCP listener's SecurityPolicy clientCIDRs (network RBAC) read the masqueraded peer too: the connection is closed (was forwarded)", () => {
  const tcpGw = envoyGateway(["{name: tcp, port: 5432, protocol: TCP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: TCPRoute}]}}"]);
  const tcp = "---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: db, namespace: apps}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]\n";
  const yaml = tcpGw + tcp + ONLY_OFFICE + POD + NODE;
  assert.equal(route(yaml + lb(undefined, 5432), { scheme: "tcp", port: 5432, ...from("203.0.113.5") }).connection, "rejected");
  assert.equal(route(yaml + lb("Local", 5432), { scheme: "tcp", port: 5432, ...from("203.0.113.5") }).backend, "apps/v1");
});

test("junction route: an outside client behind the masquerading Service is denied by the Gateway's own clientCIDRs Allow", async () => {
  const { dir, cleanup } = tempFiles({ "a.yaml": BASE + GW + ROUTE + ONLY_OFFICE + POD + lb() + NODE });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--from", "ip:203.0.113.5", "--request", "GET http://x.example/", "-o", "json"]);
    assert.equal(r.err, "");
    assert.equal((JSON.parse(r.out) as { results: { status: number }[] }).results[0].status, 403);
  } finally { cleanup(); }
});

test("Envoy Gateway's owner labels name the pods of a Gateway Envoy Gateway serves only (predicates.go hasMatchingController): another controller's Gateway of that name does not get them (was: their hop checked as its own)", async () => {
  const backend = "---\napiVersion: v1\nkind: Pod\nmetadata: {name: v1-0, namespace: apps, labels: {app: v1}}\nspec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.2}\n";
  const network = async (yaml: string) => {
    const { dir, cleanup } = tempFiles({ "a.yaml": BASE + yaml + ROUTE + POD + backend });
    try {
      const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--from", "ip:203.0.113.5", "--request", "GET http://x.example/", "-o", "json"]);
      assert.equal(r.err, "");
      return (JSON.parse(r.out) as { results: { layers: { layer: string; outcome: string }[] }[] }).results[0].layers.find((l) => l.layer === "network")?.outcome;
    } finally { cleanup(); }
  };
  assert.equal(await network(GW), "passed", "Envoy Gateway's class: its labelled pod forwards");
  assert.equal(await network(GW.replace("controllerName: gateway.envoyproxy.io/gatewayclass-controller", "controllerName: example.com/other")), "bypassed", "another controller: Envoy Gateway's pods are not this Gateway's (was passed)");
  const merged = POD.replace("gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: infra", "gateway.envoyproxy.io/owning-gatewayclass: eg");
  const { dir, cleanup } = tempFiles({ "a.yaml": BASE + GW.replace("controllerName: gateway.envoyproxy.io/gatewayclass-controller", "controllerName: example.com/other") + ROUTE + merged + backend });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--from", "ip:203.0.113.5", "--request", "GET http://x.example/", "-o", "json"]);
    assert.equal((JSON.parse(r.out) as { results: { layers: { layer: string; outcome: string }[] }[] }).results[0].layers.find((l) => l.layer === "network")?.outcome, "bypassed", "nor the class-owned pods (was passed)");
  } finally { cleanup(); }
});

test("a TCP listener with a ClientTrafficPolicy's proxyProtocol: its network RBAC reads the PROXY header's source, which a request does not carry: clientCIDRs undetermined (was: the client's address judged)", () => {
  const tcpGw = envoyGateway(["{name: tcp, port: 5432, protocol: TCP, allowedRoutes: {namespaces: {from: All}, kinds: [{kind: TCPRoute}]}}"]);
  const tcp = "---\napiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute\nmetadata: {name: db, namespace: apps}\nspec:\n  parentRefs: [{name: gw, namespace: infra}]\n  rules: [{backendRefs: [{name: v1, port: 80}]}]\n";
  const r = route(tcpGw + tcp + ONLY_OFFICE + ctp("proxyProtocol: {}"), { scheme: "tcp", port: 5432, ...from("203.0.113.5") });
  assert.equal(r.backend, null, "was apps/v1");
  assert.match(r.undetermined ?? "", /PROXY protocol header \(ClientTrafficPolicy infra\/ctp proxyProtocol\)/);
  assert.equal(route(tcpGw + tcp + ONLY_OFFICE, { scheme: "tcp", port: 5432, ...from("203.0.113.5") }).backend, "apps/v1");
});

test("no Service in the input: the one Envoy Gateway makes from the Gateway's EnvoyProxy decides; a NodePort one, or a LoadBalancer one with externalTrafficPolicy Cluster, masquerades the client, so a clientCIDRs Allow on the clients' range is not an answer (was 200: a wrong allowed)", () => {
  const proxy = (name: string, service: string) => `---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: EnvoyProxy
metadata: {name: ${name}, namespace: infra}
spec: {provider: {type: Kubernetes, kubernetes: {envoyService: ${service}}}}
`;
  const byClass = (service: string) => GW.replace("spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}", "spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller, parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: p, namespace: infra}}") + proxy("p", service);
  for (const service of ["{type: NodePort}", "{type: NodePort, externalTrafficPolicy: Local}", "{externalTrafficPolicy: Cluster}", "{type: LoadBalancer, externalTrafficPolicy: Cluster}"]) {
    const r = route(byClass(service) + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5"));
    assert.equal(r.status, null, service);
    assert.match(r.undetermined ?? "", /see a node's address as the connection's source, not the client 203\.0\.113\.5: .*EnvoyProxy infra\/p/, service);
  }
  for (const service of ["{type: LoadBalancer}", "{externalTrafficPolicy: Local}", "{type: ClusterIP}"]) assert.equal(route(byClass(service) + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5")).status, 200, service);
  // envoyService.patch is applied to the Service Envoy Gateway makes (resource_provider.go utils.MergeWithPatch): it was not read.
  for (const service of ["{patch: {value: {spec: {externalTrafficPolicy: Cluster}}}}", "{patch: {type: JSONMerge, value: {spec: {externalTrafficPolicy: null}}}}", "{type: ClusterIP, patch: {value: {spec: {type: NodePort}}}}"]) {
    const r = route(byClass(service) + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5"));
    assert.equal(r.status, null, service);
    assert.match(r.undetermined ?? "", /envoyService and its patch/, service);
  }
  for (const service of ["{type: NodePort, patch: {value: {spec: {externalTrafficPolicy: Local}}}}", "{externalTrafficPolicy: Cluster, patch: {value: {spec: {externalTrafficPolicy: Local}}}}", "{patch: {value: {metadata: {annotations: {a: b}}}}}"]) {
    assert.equal(route(byClass(service) + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5")).status, 200, service);
  }
  // The Gateway's own EnvoyProxy comes first (contexts.go attachEnvoyProxy), then the class's.
  const own = envoyGateway([HTTP_ALL], "  infrastructure: {parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: own}}\n");
  assert.equal(route(own + proxy("own", "{type: NodePort}") + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5")).status, null, "the Gateway's own EnvoyProxy");
  const both = own.replace("spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}", "spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller, parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: p, namespace: infra}}");
  assert.equal(route(both + proxy("own", "{type: LoadBalancer}") + proxy("p", "{type: NodePort}") + ROUTE + ONLY_OFFICE + POD + NODE, from("203.0.113.5")).status, 200, "the Gateway's own over the class's");
  // The Service in the input is what kube-proxy reads, whatever the EnvoyProxy says.
  assert.equal(route(byClass("{type: NodePort}") + ROUTE + ONLY_OFFICE + POD + lb("Local") + NODE, from("203.0.113.5")).status, 200, "its Service in the input, Local");
  assert.equal(route(byClass("{type: NodePort}") + ROUTE + ONLY_OFFICE + POD + NODE, from("10.1.0.1")).status, 403, "a node reaches Envoy directly: its own address, outside clientCIDRs");
});
