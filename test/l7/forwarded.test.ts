// What each gateway implementation writes in X-Forwarded-For before the backend's Istio sidecar reads
// its last entry as remote.ip (walk/forwarded.ts): a client must not dodge a sidecar's DENY on
// remoteIpBlocks by sending its own X-Forwarded-For through the gateway, unless the gateway is told to
// trust it. Each case goes through `junction route` and quotes the upstream code it pins.

import { test } from "node:test";
import assert from "node:assert/strict";
import { pod, pod as pod_, service } from "./fixture.js";
import { cli, tempFiles } from "../helpers.js";

const backend = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]])
  + `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block, namespace: shop}\nspec:\n  selector: {matchLabels: {app: api}}\n  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]\n---\n`;

/** A LoadBalancer Service in front of the gateway's pods that keeps the client's address (externalTrafficPolicy Local). */
const LOCAL_LB = `apiVersion: v1\nkind: Service\nmetadata: {name: gw-lb, namespace: infra}\nspec: {type: LoadBalancer, externalTrafficPolicy: Local, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80}]}\n---\n`;

function gatewayApi(controller: string): string {
  return `apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\nspec: {controllerName: ${controller}}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec: {gatewayClassName: gc, listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]}\n---\n`
    + `apiVersion: v1\nkind: Pod\nmetadata: {name: gw-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}\nspec: {containers: [{name: proxy}]}\nstatus: {podIP: 10.0.9.9}\n---\n`
    + `apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: shop}\nspec: {parentRefs: [{name: gw, namespace: infra}], rules: [{backendRefs: [{name: api, port: 80}]}]}\n---\n`;
}

const ctp = (spec: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: ClientTrafficPolicy\nmetadata: {name: ctp, namespace: infra}\nspec:\n  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: gw}]\n  ${spec}\n---\n`;

const nginx = (config?: string) => `apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n---\n`
  + `apiVersion: v1\nkind: Pod\nmetadata: {name: controller-0, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}\nspec: {containers: [{name: controller}]}\nstatus: {podIP: 10.0.8.8}\n---\n`
  + `apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: site, namespace: shop}\nspec:\n  ingressClassName: nginx\n  rules: [{host: x.example, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]\n---\n`
  + (config ? `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: ${config}\n---\n` : "");

interface Answer { status: number | null; unknown?: string; reason: string; layers: { layer: string; outcome: string }[] }

async function asker(yaml: string, gateway: string): Promise<{ ask: (from: string | undefined, xff?: string) => Promise<Answer>; cleanup: () => void }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  const ask = async (from: string | undefined, xff?: string) => {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", gateway, ...(from ? ["--from", from] : []), "--request", "GET http://x.example/", ...(xff ? ["-H", `X-Forwarded-For: ${xff}`] : []), "-o", "json"]);
    assert.equal(r.err, "");
    return (JSON.parse(r.out) as { results: Answer[] }).results[0];
  };
  return { ask, cleanup };
}

test("Envoy Gateway appends its client to X-Forwarded-For (listener.go: useRemoteAddress true; with clientIPDetection the extension's skip_xff_append false): a forged entry does not dodge a sidecar's remoteIpBlocks DENY", async () => {
  for (const policy of ["", ctp("clientIPDetection: {customHeader: {name: x-client-ip}}"), ctp("clientIPDetection: {xForwardedFor: {numTrustedHops: 2}}")]) {
    const { ask, cleanup } = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend + policy, "infra/gw");
    try {
      assert.equal((await ask("ip:203.0.113.5")).status, 403, policy);
      assert.equal((await ask("ip:203.0.113.5", "1.1.1.1")).status, 403, `the client's entry comes before the gateway's (was 200: a wrong allowed) ${policy}`);
      assert.equal((await ask("ip:198.51.100.5", "203.0.113.5")).status, 200, policy);
    } finally { cleanup(); }
  }
});

test("Envoy Gateway's pods run in its own namespace labelled with their owner (helpers.go OwnerLabels), or by class when merged: the walk goes on from them (was: \"the Gateway's pods are not in the input\", 200 unchecked)", async () => {
  const eg = gatewayApi("gateway.envoyproxy.io/gatewayclass-controller");
  const owned = eg.replace("metadata: {name: gw-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}", "metadata: {name: envoy-infra-gw-0, namespace: envoy-gateway-system, labels: {gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: infra}}");
  const merged = eg.replace("metadata: {name: gw-0, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}", "metadata: {name: envoy-gc-0, namespace: envoy-gateway-system, labels: {gateway.envoyproxy.io/owning-gatewayclass: gc}}");
  for (const yaml of [owned, merged]) {
    const { ask, cleanup } = await asker(yaml + backend, "infra/gw");
    try {
      const a = await ask("ip:203.0.113.5", "1.1.1.1");
      assert.equal(a.status, 403);
      assert.ok(a.layers.some((l) => l.layer === "network" && l.outcome === "passed"));
    } finally { cleanup(); }
  }
});

test("Envoy Gateway with disableXForwardedForAppend appends nothing: the sidecar reads what the client sent; with proxy protocol it appends the PROXY header's source, which Junction cannot know: unknown, not allowed", async () => {
  const off = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend + ctp("clientIPDetection: {xForwardedFor: {numTrustedHops: 1, disableXForwardedForAppend: true}}"), "infra/gw");
  try {
    assert.equal((await off.ask("ip:203.0.113.5", "1.1.1.1")).status, 200, "Envoy appends nothing: the client's last entry is remote.ip");
    assert.equal((await off.ask("ip:198.51.100.5", "203.0.113.5")).status, 403);
  } finally { off.cleanup(); }
  const pp = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend + ctp("proxyProtocol: {}"), "infra/gw");
  try {
    const a = await pp.ask("ip:198.51.100.5", "1.1.1.1");
    assert.equal(a.status, null, "was 200");
    assert.match(a.unknown ?? "", /PROXY protocol header .*ClientTrafficPolicy infra\/ctp/);
    assert.deepEqual(a.layers.at(-1), { layer: "authorization", outcome: "decided", summary: a.reason });
  } finally { pp.cleanup(); }
  // A policy without remoteIpBlocks answers alike for every address: the answer stands.
  const plain = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend.replace("remoteIpBlocks: [203.0.113.0/24]", "ipBlocks: [203.0.113.0/24]") + ctp("proxyProtocol: {}"), "infra/gw");
  try { assert.equal((await plain.ask("ip:198.51.100.5")).status, 200); } finally { plain.cleanup(); }
});

test("Envoy Gateway with trustedCIDRs and disableXForwardedForAppend still appends a peer outside trustedCIDRs (xff.cc detect: an untrusted remote returns skip_xff_append false): a forged entry does not dodge the DENY", async () => {
  const { ask, cleanup } = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend + ctp("clientIPDetection: {xForwardedFor: {trustedCIDRs: [10.1.0.0/16], disableXForwardedForAppend: true}}"), "infra/gw");
  try {
    assert.equal((await ask("ip:203.0.113.5", "1.1.1.1")).status, 403, "Envoy appends the untrusted peer after the client's entry (was 200: a wrong allowed)");
    assert.equal((await ask("ip:198.51.100.5", "203.0.113.5")).status, 200, "the appended peer is the last entry (was 403)");
    assert.equal((await ask("ip:10.1.2.3", "203.0.113.5")).status, 403, "a trusted peer: nothing appended, the sidecar reads the client's last entry");
    assert.equal((await ask("ip:10.1.2.3", "1.1.1.1")).status, 200);
    const a = await ask(undefined, "1.1.1.1");
    assert.equal(a.status, null, "no client: whether Envoy appends at all is unknown (was 200)");
  } finally { cleanup(); }
  const hops = await asker(gatewayApi("gateway.envoyproxy.io/gatewayclass-controller") + backend + ctp("clientIPDetection: {xForwardedFor: {numTrustedHops: 1, disableXForwardedForAppend: true}}") , "infra/gw");
  try { assert.equal((await hops.ask(undefined, "1.1.1.1")).status, 200, "numTrustedHops: skip_xff_append as configured, whoever the peer"); } finally { hops.cleanup(); }
});

test("Envoy Gateway's own pods (envoy-gateway-system, labels gateway.envoyproxy.io/owning-gateway-name and -namespace; owning-gatewayclass when merged) forward the request: the hop to the backend is checked, not bypassed", async () => {
  const egPod = (labels: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: envoy-infra-gw-0, namespace: envoy-gateway-system, labels: {app.kubernetes.io/name: envoy, ${labels}}}\nspec: {containers: [{name: envoy}]}\nstatus: {podIP: 10.0.7.7}\n---\n`;
  const withoutPod = gatewayApi("gateway.envoyproxy.io/gatewayclass-controller").replace(/apiVersion: v1\nkind: Pod\nmetadata: \{name: gw-0[^]*?---\n/, "");
  for (const labels of ["gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: infra", "gateway.envoyproxy.io/owning-gatewayclass: gc"]) {
    const { ask, cleanup } = await asker(withoutPod + egPod(labels) + backend, "infra/gw");
    try {
      const a = await ask("ip:203.0.113.5", "1.1.1.1");
      assert.equal(a.status, 403, `was 200: "the Gateway's pods are not in the input", the sidecar's DENY not checked (${labels})`);
      assert.equal((await ask("ip:198.51.100.5")).status, 200);
    } finally { cleanup(); }
  }
  // Another Gateway's pods are not this one's.
  const { ask, cleanup } = await asker(withoutPod + egPod("gateway.envoyproxy.io/owning-gateway-name: gw, gateway.envoyproxy.io/owning-gateway-namespace: other") + backend, "infra/gw");
  try { assert.equal((await ask("ip:203.0.113.5")).layers.find((l) => l.layer === "network")?.outcome, "bypassed"); } finally { cleanup(); }
});

test("another Gateway implementation's X-Forwarded-For is not known: where the backend's remoteIpBlocks split the answer it is unknown, not the gateway pod's or a forged address's", async () => {
  const { ask, cleanup } = await asker(gatewayApi("example.com/other-controller") + backend, "infra/gw");
  try {
    for (const xff of [undefined, "1.1.1.1"]) {
      const a = await ask("ip:203.0.113.5", xff);
      assert.equal(a.status, null, `was 200: remote.ip read as ${xff ?? "the gateway pod's 10.0.9.9"}, where a gateway appending its peer is denied`);
      assert.match(a.unknown ?? "", /GatewayClass controller example\.com\/other-controller/);
    }
  } finally { cleanup(); }
  const plain = await asker(gatewayApi("example.com/other-controller") + backend.replace("remoteIpBlocks", "ipBlocks"), "infra/gw");
  try { assert.equal((await plain.ask("ip:203.0.113.5", "1.1.1.1")).status, 200, "no remoteIpBlocks: the answer stands"); } finally { plain.cleanup(); }
});

test("ingress-nginx replaces X-Forwarded-For with $remote_addr unless use-forwarded-headers and compute-full-forwarded-for (nginx.tmpl); its controller pod's hop to the backend is checked", async () => {
  const plain = await asker(nginx() + backend, "IngressClass/nginx");
  try {
    const a = await plain.ask("ip:203.0.113.5", "1.1.1.1");
    assert.equal(a.status, 403, "proxy_set_header X-Forwarded-For $remote_addr (was 200: the hop was not checked)");
    assert.equal((await plain.ask("ip:198.51.100.5", "203.0.113.5")).status, 200, "the client's header is replaced");
    assert.equal((await plain.ask(undefined, "1.1.1.1")).status, null, "no client: the address nginx writes is unknown");
  } finally { plain.cleanup(); }
  const trusted = await asker(nginx(`{use-forwarded-headers: "true"}`) + backend, "IngressClass/nginx");
  try {
    assert.equal((await trusted.ask("ip:198.51.100.5", "203.0.113.5")).status, 403, "realip takes the client's header (proxy-real-ip-cidr 0.0.0.0/0), and $remote_addr is sent");
    assert.equal((await trusted.ask("ip:203.0.113.5", "1.1.1.1")).status, 200, "so the client chooses the address the sidecar reads");
  } finally { trusted.cleanup(); }
  const full = await asker(nginx(`{use-forwarded-headers: "true", compute-full-forwarded-for: "true"}`) + backend, "IngressClass/nginx");
  try {
    assert.equal((await full.ask("ip:203.0.113.5", "1.1.1.1")).status, 403, "$full_x_forwarded_for: the client's value, then $realip_remote_addr");
    assert.equal((await full.ask("ip:198.51.100.5", "203.0.113.5")).status, 200);
  } finally { full.cleanup(); }
  const proxied = await asker(nginx(`{use-forwarded-headers: "true", use-proxy-protocol: "true"}`) + backend, "IngressClass/nginx");
  try {
    assert.equal((await proxied.ask("ip:198.51.100.5", "203.0.113.5")).status, 403, "the PROXY source is trusted: realip reads the client's header (was 200)");
    const a = await proxied.ask("ip:203.0.113.5");
    assert.equal(a.status, null, "no header: $remote_addr is the load balancer's, not known (was 403)");
    assert.match(a.unknown ?? "", /load balancer/);
  } finally { proxied.cleanup(); }
});

test("an Istio gateway without a named client: the address it appends is unknown, so a forged X-Forwarded-For is not read as the client", async () => {
  const { ask, cleanup } = await asker(gatewayApi("istio.io/gateway-controller") + backend, "infra/gw");
  try {
    const a = await ask(undefined, "1.1.1.1");
    assert.equal(a.status, null, "was 200: the sidecar read 1.1.1.1");
    assert.match(a.unknown ?? "", /names no client/);
  } finally { cleanup(); }
});

test("an istio-proxy run as a gateway (`pilot-agent proxy router`: an istioctl or Helm ingress gateway's pod) reads the connection's address as remote.ip, not X-Forwarded-For (gateway.go useRemoteAddress true)", async () => {
  const gateway = (args: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: istio-ingressgateway-0, namespace: istio-system, labels: {istio: ingressgateway}}\nspec: {containers: [{name: istio-proxy, args: ${args}, ports: [{containerPort: 8080}]}]}\nstatus: {podIP: 10.0.3.3}\n---\n`
    + `apiVersion: v1\nkind: Service\nmetadata: {name: istio-ingressgateway, namespace: istio-system}\nspec: {selector: {istio: ingressgateway}, ports: [{name: http2, port: 80, targetPort: 8080}]}\n---\n`
    + `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: block, namespace: istio-system}\nspec:\n  selector: {matchLabels: {istio: ingressgateway}}\n  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]\n---\n`;
  const ask = async (yaml: string, from: string, xff: string) => {
    const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
    try {
      const r = await cli(["route", "-q", "-f", dir, "--from", from, "--request", "GET http://istio-ingressgateway.istio-system/", "-H", `X-Forwarded-For: ${xff}`, "-o", "json"]);
      assert.equal(r.err, "");
      return (JSON.parse(r.out) as { results: { status: number | null }[] }).results[0].status;
    } finally { cleanup(); }
  };
  const router = gateway("[proxy, router, --domain, istio-system.svc.cluster.local]");
  assert.equal(await ask(router, "ip:203.0.113.5", "1.1.1.1"), 403, "was 200: the forged entry was read as remote.ip");
  assert.equal(await ask(router, "ip:198.51.100.5", "203.0.113.5"), 200, "was 403");
  assert.equal(await ask(gateway("[proxy, sidecar]"), "ip:203.0.113.5", "1.1.1.1"), 200, "a sidecar reads the last X-Forwarded-For entry");
});

test("behind an Istio gateway's LoadBalancer Service (externalTrafficPolicy Cluster) its own RBAC reads the node kube-proxy masqueraded the client as, not the client (use_remote_address true): an ALLOW on the clients' range does not let them in", async () => {
  const lb = (etp: string) => `apiVersion: v1\nkind: Service\nmetadata: {name: gw, namespace: infra}\nspec: {type: LoadBalancer, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80, targetPort: 80}]${etp}}\n---\n`
    + `apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 192.168.0.10}]}\n---\n`;
  // An Istio gateway's own RBAC reads the same peer as remote.ip (use_remote_address true).
  const own = `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: office, namespace: infra}\nspec:\n  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]\n---\n`;
  const istio = gatewayApi("istio.io/gateway-controller") + backend.replace("remoteIpBlocks: [203.0.113.0/24]", "remoteIpBlocks: [1.2.3.4/32]") + own;
  const cluster = await asker(istio + lb(""), "infra/gw");
  try { assert.equal((await cluster.ask("ip:203.0.113.5")).status, 403, "was 200: the gateway's ALLOW judged the client, not node n1's address"); } finally { cluster.cleanup(); }
  const local = await asker(istio + lb(", externalTrafficPolicy: Local"), "infra/gw");
  try { assert.equal((await local.ask("ip:203.0.113.5")).status, 200); } finally { local.cleanup(); }
});

test("an Istio gateway trusts gatewayTopology.numTrustedProxies X-Forwarded-For hops (gateway.go xffNumTrustedHops; conn_manager_utility.cc getLastAddressFromXFF(N-1)): its own remoteIpBlocks read the client's header then, from the pod's proxy.istio.io/config or meshConfig.defaultConfig", async () => {
  const gatewayDeny = `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: edge, namespace: infra}\nspec:\n  selector: {matchLabels: {gateway.networking.k8s.io/gateway-name: gw}}\n  action: DENY\n  rules: [{from: [{source: {remoteIpBlocks: [203.0.113.0/24]}}]}]\n---\n`;
  const api = pod("shop", "api", "10.0.0.2", { proxy: "istio-proxy" }) + service("shop", "api", [["http", 80, 8080]]);
  // The Service in front keeps the client's address (Local): without one, the Service Istio makes masquerades (unknown).
  const base = gatewayApi("istio.io/gateway-controller") + api + gatewayDeny + LOCAL_LB;
  const annotated = base.replace("labels: {gateway.networking.k8s.io/gateway-name: gw}}", `labels: {gateway.networking.k8s.io/gateway-name: gw}, annotations: {proxy.istio.io/config: '{"gatewayTopology": {"numTrustedProxies": 1}}'}}`);
  const meshConfig = base + `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    defaultConfig:\n      gatewayTopology: {numTrustedProxies: 2}\n---\n`;
  const plain = await asker(base, "infra/gw");
  try {
    assert.equal((await plain.ask("ip:198.51.100.5", "203.0.113.5")).status, 200, "no trusted proxies: the peer is remote.ip");
    assert.equal((await plain.ask("ip:203.0.113.5")).status, 403);
  } finally { plain.cleanup(); }
  const one = await asker(annotated, "infra/gw");
  try {
    assert.equal((await one.ask("ip:198.51.100.5", "203.0.113.5")).status, 403, "one trusted hop: the last entry (was 200: a wrong allowed)");
    assert.equal((await one.ask("ip:203.0.113.5", "198.51.100.5")).status, 200, "the trusted proxy's entry names another client");
    assert.equal((await one.ask("ip:203.0.113.5")).status, 403, "no header: the peer");
  } finally { one.cleanup(); }
  const two = await asker(meshConfig, "infra/gw");
  try {
    assert.equal((await two.ask("ip:198.51.100.5", "203.0.113.5, 10.9.9.9")).status, 403, "two trusted hops: the entry before the last");
    assert.equal((await two.ask("ip:198.51.100.5", "203.0.113.5")).status, 200, "one entry and two trusted hops: getLastAddressFromXFF finds none, the peer is remote.ip");
  } finally { two.cleanup(); }
});

test("behind the gateway's LoadBalancer Service (externalTrafficPolicy Cluster) Envoy's peer is the node kube-proxy masqueraded the client as, which it appends: an ALLOW on the client's remoteIpBlocks does not let it through (was 200); a node the input lacks: unknown", async () => {
  const allow = backend.replace("action: DENY", "action: ALLOW");
  const lb = `apiVersion: v1\nkind: Service\nmetadata: {name: envoy-gw, namespace: infra}\nspec: {type: LoadBalancer, selector: {gateway.networking.k8s.io/gateway-name: gw}, ports: [{name: http, port: 80, targetPort: 10080}]}\nstatus: {loadBalancer: {ingress: [{ip: 192.0.2.10}]}}\n---\n`;
  const node = `apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.1.0.1}]}\n---\n`;
  for (const controller of ["gateway.envoyproxy.io/gatewayclass-controller", "istio.io/gateway-controller"]) {
    const known = await asker(gatewayApi(controller) + allow + lb + node, "infra/gw");
    try { assert.equal((await known.ask("ip:203.0.113.5")).status, 403, `${controller}: the node's address is remote.ip`); } finally { known.cleanup(); }
    const unknown = await asker(gatewayApi(controller) + allow + lb, "infra/gw");
    try {
      const a = await unknown.ask("ip:203.0.113.5");
      assert.equal(a.status, null, controller);
      assert.match(a.unknown ?? "", /masqueraded/);
    } finally { unknown.cleanup(); }
    // No Service in the input: the one the implementation makes. Envoy Gateway's is a LoadBalancer with Local
    // (the client's own address); Istio's a LoadBalancer with externalTrafficPolicy unset, Cluster (was 200: the client's).
    const direct = await asker(gatewayApi(controller) + allow, "infra/gw");
    try {
      const a = await direct.ask("ip:203.0.113.5");
      if (controller === "istio.io/gateway-controller") { assert.equal(a.status, null); assert.match(a.unknown ?? "", /the one Istio makes for the Gateway is a LoadBalancer/); }
      else assert.equal(a.status, 200, `${controller}: its own Service keeps the client's address`);
    } finally { direct.cleanup(); }
    const inside = await asker(gatewayApi(controller) + allow + pod_("shop", "web", "203.0.113.7"), "infra/gw");
    try { assert.equal((await inside.ask("shop/web")).status, 200, `${controller}: a pod reaches the gateway's pods directly`); } finally { inside.cleanup(); }
  }
});

test("no Service in the input and an EnvoyProxy whose envoyService Envoy Gateway makes a NodePort one (or a LoadBalancer with externalTrafficPolicy Cluster): the peer Envoy appends to X-Forwarded-For is a node's, as its clientCIDRs judge (peer.ts envoyGatewayPeer), not the client's: the sidecar's remoteIpBlocks answer is unknown (was 200 for an ALLOW, 403 for a DENY, on the client's range)", async () => {
  const proxy = (service: string) => `apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyProxy\nmetadata: {name: p, namespace: infra}\nspec: {provider: {type: Kubernetes, kubernetes: {envoyService: ${service}}}}\n---\n`;
  const eg = gatewayApi("gateway.envoyproxy.io/gatewayclass-controller").replace("spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}", "spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller, parametersRef: {group: gateway.envoyproxy.io, kind: EnvoyProxy, name: p, namespace: infra}}");
  const allow = backend.replace("action: DENY", "action: ALLOW");
  for (const service of ["{type: NodePort}", "{type: LoadBalancer, externalTrafficPolicy: Cluster}"]) {
    for (const [policy, was] of [[allow, 200], [backend, 403]] as const) {
      const { ask, cleanup } = await asker(eg + proxy(service) + policy, "infra/gw");
      try {
        const a = await ask("ip:203.0.113.5");
        assert.equal(a.status, null, `${service}: was ${was}, the client's address read as remote.ip`);
        assert.match(a.unknown ?? "", /see a node's address as the connection's source, not the client 203\.0\.113\.5: .*EnvoyProxy infra\/p/, service);
      } finally { cleanup(); }
    }
  }
  // The Service Envoy Gateway makes by default (LoadBalancer, Local) keeps the client's address; a pod client reaches Envoy directly.
  const local = await asker(eg + proxy("{type: LoadBalancer}") + allow, "infra/gw");
  try { assert.equal((await local.ask("ip:203.0.113.5")).status, 200); } finally { local.cleanup(); }
  const inCluster = await asker(eg + proxy("{type: NodePort}") + allow + pod("shop", "web", "10.0.0.7"), "infra/gw");
  try { assert.equal((await inCluster.ask("shop/web")).status, 403, "a pod's own address, outside the ALLOW"); } finally { inCluster.cleanup(); }
});

test("Envoy Gateway under the controllerName its configuration names (EnvoyGateway gateway.controllerName): what it appends to X-Forwarded-For is Envoy Gateway's, not an unknown implementation's (walk/gateway-entry.ts forwardedFor took only the default name: every answer behind it was unknown)", async () => {
  const config = `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: envoy-gateway-config, namespace: envoy-gateway-system}\ndata:\n  envoy-gateway.yaml: |\n    apiVersion: gateway.envoyproxy.io/v1alpha1\n    kind: EnvoyGateway\n    provider: {type: Kubernetes}\n    gateway: {controllerName: example.com/eg}\n---\n`;
  const { ask, cleanup } = await asker(gatewayApi("example.com/eg") + backend + config, "infra/gw");
  try {
    assert.equal((await ask("ip:203.0.113.5", "1.1.1.1")).status, 403, "the client's forged entry comes before the one Envoy appends");
    const a = await ask("ip:198.51.100.5", "203.0.113.5");
    assert.equal(a.status, 200, `the gateway appends the client's own address: ${a.unknown ?? ""}`);
  } finally { cleanup(); }
  // Without the configuration the class is another implementation's: unknown, as before.
  const other = await asker(gatewayApi("example.com/eg") + backend, "infra/gw");
  try { assert.match((await other.ask("ip:203.0.113.5", "1.1.1.1")).unknown ?? "", /GatewayClass controller example\.com\/eg/); } finally { other.cleanup(); }
});
