// A request to a Gateway: routed by the gateway engine; then, when the Gateway's pods are in the
// input, the hop from a Gateway pod to the chosen backend's endpoints and the authorizers there.

import type { RouteRequest } from "../../model/request.js";
import { EG_NAME, GATEWAY_NAME_LABEL, gatewayPods } from "../gateway/pods.js";
import { istioSettingsOf } from "../../model/mesh.js";
import { requestPort, routeRequest } from "../gateway/route.js";
import type { GatewayState } from "../gateway/gateways.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import type { Party } from "../match.js";
import { backendServing } from "../serving.js";
import type { ResolvedBackend } from "../gateway/backends.js";
import { emptyResult } from "../gateway/request.js";
import { serviceHiddenFrom } from "../mesh/registry.js";
import { routeAtService } from "../mesh/route.js";
import { ISTIO_GATEWAY_CONTROLLER, requestWaypoint } from "../mesh/waypoint.js";
import { emptyAnswer, refuse, step, type ForwardedFor, type RequestAnswer, type Walk, type WalkContext } from "./answer.js";
import { pickedBackend, routesChose } from "./backends.js";
import { hostHeaderRequest, noCluster, protocolOf, serve } from "./serve.js";
import { peerOf } from "./peers.js";
import { L7Authorizer } from "../l7/authorizer.js";
import { DEFAULT_PORT, speaksHttp } from "../../model/request.js";
import { toServiceEntry } from "./mesh-entry.js";
import type { Endpoint, Service } from "../../model/endpoint.js";
import { checkHop } from "../hop.js";
import { proxyMesh } from "../mesh/membership.js";
import { istioClientRule } from "../l7/transport.js";
import { istioClusterTls } from "../../model/mesh.js";
import { serviceHost } from "../mesh/dns.js";
import { usesTls } from "../../model/request.js";

/** The label the sidecar injector gives its pods, which auto mTLS reads (pkg/config/constants TLSModeLabelName). */
const TLS_MODE_LABEL = "security.istio.io/tlsMode";
import type { Address } from "../../model/ip.js";
import { hasIngressSemantics } from "../../model/gateway.js";
import { ingressClassOf, servedByNginx } from "../../model/nginx-controller.js";
import { ingressControllerPods } from "../endpoints.js";
import { envoyForwarded, nginxForwarded } from "./forwarded.js";
import { envoyGatewayPeer, generatedServicePeer } from "../gateway/peer.js";
import type { ClientAddress } from "../gateway/client-policy.js";

export function gatewayEntry(ctx: WalkContext, req: RouteRequest, client: Party | undefined): RequestAnswer {
  const address = client?.address ?? client?.endpoint?.addresses[0];
  const routed = routeRequest(ctx.gateways, address ? { ...req, clientAddress: address } : req);
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, { kind: "gateway", gateway: routed.gateway, listener: routed.listener }, routed) };
  step(w, "entry", routed.gateway ? "passed" : "decided", routed.gateway ? `Gateway ${routed.gateway}${routed.listener ? `, listener ${routed.listener}` : ""}` : routed.reason);
  if (!routed.gateway) return w.res;
  const [gwNamespace, gwName] = routed.gateway.split("/", 2);
  const gw = ctx.gateways.gateway(gwNamespace, gwName);
  const controller = gw?.gatewayClass?.controllerName;
  // (authz, s21: an Istio gateway's own AuthorizationPolicies, before its router: istioGatewayRbac.)
  const nginx = gw && nginxServes(ctx, gw);
  const pods = nginx ? ingressControllerPods(ctx.inv, gw.gateway.derivedFrom?.name) : gatewayPods(ctx.inv, gwNamespace, gwName, gw?.gateway.className);
  // Istio deploys a Gateway's pods in its namespace with the gateway-name label (a stand-in when they are not in the input).
  const standIn: Endpoint = { id: -1, kind: "pod", name: `(a pod of Gateway ${routed.gateway})`, namespace: gwNamespace, labels: { [GATEWAY_NAME_LABEL]: gwName }, addresses: [], ports: [] };
  // A client in the cluster reaches the gateway's pod through the network policies first (clientToGateway).
  if (controller === ISTIO_GATEWAY_CONTROLLER) {
    const leg = clientToGateway(w, pods, requestPort(req));
    if ("res" in leg || "steps" in leg) return leg as RequestAnswer;
  }
  if (controller === ISTIO_GATEWAY_CONTROLLER && !routed.connection && istioGatewayRbac(w, pods, terminatesHttp(gw, routed.listener, requestPort(req)), undefined, false, standIn)) return w.res;
  // (vendor: an Envoy Gateway SecurityPolicy whose answer Junction cannot tell: an unknown answer, not a denial.)
  if (routed.undetermined) w.res.unknown = routed.undetermined;
  if (!routed.backend || routed.connection) { step(w, "routing", "decided", routed.reason); return w.res; }
  step(w, "routing", "passed", routed.reason);
  const first = pickedBackend(ctx.gateways.routes, routed);
  // What the gateway writes in X-Forwarded-For (forwarded.ts): the backend's sidecar reads its last entry as remote.ip.
  const forwarded = forwardedFor(w, gw, nginx, controller, address, pods);
  if (forwarded) w.forwarded = forwarded;
  const missingPods = nginx ? "the ingress-nginx controller's pods (label app.kubernetes.io/name=ingress-nginx) are not in the input" : `the Gateway's pods (label ${GATEWAY_NAME_LABEL}=${gwName}${gw?.envoyGateway ? `, or Envoy Gateway's ${EG_NAME}=${gwName}` : ""}) are not in the input`;
  return gatewayToBackend(w, first, { pods, ...(controller === ISTIO_GATEWAY_CONTROLLER ? { istioNamespace: gwNamespace } : {}), ...(controller ? { controller } : {}), reader: gw?.endpointReader ?? "proxy", missingPods, backend: routed.backend, reason: routed.reason });
}

/** The gateway proxy that forwards a routed request: its pods, an Istio one's namespace (its clusters' scope), its controller, how it reads endpoints. */
export interface GatewayProxy {
  pods: readonly Endpoint[];
  /** An Istio gateway (Gateway API or classic): the namespace of its pods, whose scope holds the Services exported there. */
  istioNamespace?: string;
  controller?: string;
  reader: EndpointReader;
  /** Why the hop is not checked when `pods` is empty. */
  missingPods: string;
  /** The routing layer's answer: the backend it names, why. */
  backend: string | null;
  reason: string;
  /** The client the backend's authorizers see, when not the gateway's pod (an AUTO_PASSTHROUGH server passes the client's mTLS through). */
  peer?: Party;
}

/**
 * The request a gateway's routes sent to `first`: an Istio gateway needs a cluster for the Service (its
 * exportTo), and sends to the Service's waypoint when it has one (waypointRoutes); a ServiceEntry's host
 * is reached as a sidecar client would; else the hop from the gateway's pod to the backend's endpoints.
 */
export function gatewayToBackend(w: Walk, first: ResolvedBackend | undefined, g: GatewayProxy): RequestAnswer {
  // The gateway needs a cluster for the Service its route sends to, whether or not that Service's waypoint then routes it.
  const hidden = g.istioNamespace !== undefined && first?.service ? serviceHiddenFrom(first.service, g.istioNamespace) : undefined;
  if (hidden) return noCluster(w, hidden, "the gateway");
  const atWaypoint = g.istioNamespace !== undefined && first ? waypointRoutes(w, first) : undefined;
  if (atWaypoint === "decided") return w.res;
  const picked = atWaypoint ?? first;
  if (picked?.serviceEntry) return gatewayToServiceEntry(w, picked, g.pods[0], g.missingPods, g.controller);
  const endpoints = picked ? backendServing(w.ctx.inv, picked, { reader: g.reader }) : undefined;
  const unchecked = !g.pods.length ? g.missingPods : !endpoints?.known || !endpoints.serving.length ? `the endpoints of ${g.backend} are not in the input` : undefined;
  if (unchecked) {
    step(w, "network", "bypassed", `${unchecked}: the hop from the Gateway to the backend is not checked`);
    step(w, "backend", "decided", g.reason);
    return w.res;
  }
  // The authorizers see the Service the gateway sent to (its waypoint's policies are that Service's).
  const svc = first?.service && first.servicePort ? { name: `${first.service.namespace}/${first.service.name}`, port: first.servicePort.port } : undefined;
  w.via = { ...(g.controller ? { controller: g.controller } : {}), ...(svc ? { service: svc } : {}) };
  return serve(w, { endpoint: g.pods[0] }, endpoints!, false, g.peer);
}

/**
 * Whether ingress-nginx serves the IngressClass a Gateway stands for (model/ingress.ts
 * nginx-controller.ts servedByNginx): its controller's pods then forward the request (endpoints.ts ingressControllerPods).
 */
function nginxServes(ctx: WalkContext, gw: GatewayState): boolean {
  if (!hasIngressSemantics(gw.gateway) || !gw.gateway.derivedFrom) return false;
  const { ingresses } = ctx.inv.ingress, name = gw.gateway.derivedFrom.name;
  return servedByNginx(ctx.inv, name, ingresses.filter((i) => ingressClassOf(i, ctx.inv) === name));
}

/**
 * What the gateway writes in X-Forwarded-For, by implementation (forwarded.ts). Another implementation's
 * (or one without its GatewayClass in the input) is not known: unknown, not "passes as sent" (which let a
 * client's own entry, or the gateway pod's address, be read as the client where such a gateway appends its peer).
 */
function forwardedFor(w: Walk, gw: GatewayState | undefined, nginx: boolean | undefined, controller: string | undefined, address: Address | undefined, pods: readonly Endpoint[]): ForwardedFor | undefined {
  const res = w.res, port = requestPort(w.req);
  if (nginx) return nginxForwarded(w.ctx.inv, w.ctx.index, gw?.gateway.derivedFrom?.name, address, port, w.req.headers);
  if (controller === ISTIO_GATEWAY_CONTROLLER) return envoyForwarded(undefined, istioGatewayPeer(w, pods, address));
  // Envoy Gateway's class by the controllerName its configuration names (gateways.ts envoyGateway), not the default name.
  if (!gw?.envoyGateway) {
    const who = controller ? `GatewayClass controller ${controller}` : gw?.gateway.derivedFrom ? `the controller of ${gw.gateway.derivedFrom.kind} ${gw.gateway.derivedFrom.name}` : "the Gateway's controller (its GatewayClass is not in the input)";
    return { how: "append", unknown: `what ${who} writes in X-Forwarded-For is not known to Junction (it knows Istio's, Envoy Gateway's and ingress-nginx's)` };
  }
  const l = gw.merged.find((x) => x.listener.name === res.listener && x.listener.port === port);
  // The peer Envoy appends is the one its rate limits and clientCIDRs judge (peer.ts envoyGatewayPeer: with
  // no Service in the input, the one Envoy Gateway makes from the EnvoyProxy), not a second reckoning of it.
  return envoyForwarded(l ? w.ctx.gateways.listenerClientPolicy(l) : undefined, envoyGatewayPeer(w.ctx.inv, w.ctx.index, gw.gateway, address, port));
}

/**
 * The connection's source an Istio gateway's pods see for the client (nginx-source.ts sourceSeenBy: a
 * node's behind their LoadBalancer or NodePort Service under externalTrafficPolicy Cluster), which its
 * AuthorizationPolicies' ipBlocks judge and its Envoy appends to X-Forwarded-For.
 */
export function istioGatewayPeer(w: Walk, pods: readonly Endpoint[], client: Address | undefined, classic = false): ClientAddress & { seen?: string } {
  // No LoadBalancer or NodePort Service of the input in front: the one Istio makes (gateway/templates/service.yaml: "type:
  // {{ index .Annotations \"networking.istio.io/service-type\" | default \"LoadBalancer\" }}", no externalTrafficPolicy, so
  // Kubernetes' Cluster) masquerades an outside client to a node's address. A classic gateway's Service is its installation's
  // (manifests/charts/gateway values.yaml "type: LoadBalancer", templates/service.yaml writes externalTrafficPolicy only when set): Cluster too.
  const made = classic ? "the one an Istio ingress gateway's installation makes (the gateway Helm chart's) is a LoadBalancer with externalTrafficPolicy unset unless configured, so Kubernetes' Cluster" : "the one Istio makes for the Gateway is a LoadBalancer (unless its networking.istio.io/service-type annotation says otherwise) with externalTrafficPolicy unset, so Kubernetes' Cluster";
  return generatedServicePeer(w.ctx.inv, w.ctx.index, pods, client, requestPort(w.req), { pods: "the gateway's pods", peer: "the gateway's peer", made: () => made });
}


/**
 * Whether the Gateway's listener that takes the request (`name`, else the first on the port: a
 * request no listener hostname matches still passes the port's filters) terminates HTTP: protocol
 * HTTP or HTTPS (a TLS listener's filter chain is TCP, passthrough or terminated).
 */
function terminatesHttp(gw: GatewayState | undefined, name: string | undefined, port: number): boolean {
  const onPort = (gw?.merged ?? []).filter((l) => l.listener.port === port);
  const l = (name !== undefined ? onPort.find((x) => x.listener.name === name) : undefined) ?? onPort[0];
  return l?.listener.protocol === "HTTP" || l?.listener.protocol === "HTTPS";
}

/**
 * An Istio gateway's Envoy enforces the AuthorizationPolicies of its pod in the listener's filters,
 * before its router (pilot/pkg/networking/core/gateway.go builds the RBAC filters ahead of the router;
 * a denial is 403, or a closed TCP connection, whatever the routes would answer): the L7 authorizer
 * decides (l7/authorizer.ts atIstioGateway) for the listener's port (`listenPort`, else the port dialled). True when it denies (the answer is then set).
 */
export function istioGatewayRbac(w: Walk, pods: readonly Endpoint[], httpListener: boolean, listenPort?: number, classic = false, standIn?: Endpoint): boolean {
  const l7 = w.ctx.authorizers.find((a): a is L7Authorizer => a instanceof L7Authorizer);
  const pod = pods[0];
  if (!l7) return false;
  if (!pod) {
    const unseen = standIn && unseenPolicies(w.ctx, standIn, classic);
    if (!unseen) return false;
    // As an authorizer whose answer Junction cannot know (serve.ts authorize): the outcome is unknown, never "allowed".
    step(w, "authorization", "decided", unseen);
    Object.assign(w.res, { status: null, backend: null, upstream: null, responseHeaders: {}, reason: unseen, unknown: unseen });
    return true;
  }
  const q = hostHeaderRequest(w.req);
  // Only an HTTP or HTTPS listener reads HTTP; a TLS listener (passthrough, or terminated for TCPRoutes)
  // and a TCP one run the TCP RBAC filter (builder.go BuildTCP: an ALLOW rule with HTTP fields never matches).
  const http = httpListener && (speaksHttp(q) || q.scheme === "https" || q.scheme === "wss") ? { method: q.method, host: q.host ?? "", path: q.path, headers: q.headers, ...(q.protocol === "grpc" ? { grpc: true } : {}) } : undefined;
  // The connection's source as the gateway's Envoy sees it (istioGatewayPeer), which ipBlocks judge; a node's
  // address the input does not hold: the policies are judged for every address (l7/istio.ts unknownAddress).
  const { seen, ...peer } = istioGatewayPeer(w, pods, w.client?.address, classic);
  // The port of Envoy's listener, which `ports` match: the Service's target port the client's port maps to (pilot's resolvePorts), when known.
  const port = listenPort ?? q.port ?? DEFAULT_PORT[q.scheme];
  const d = w.client?.address && !peer.address ? l7.atIstioGateway(peerOf(w.ctx, {}), pod, port, http, peer.unknown)
    : l7.atIstioGateway(peerOf(w.ctx, seen ? { address: peer.address } : w.client ?? {}), pod, port, http);
  if (d && seen) d.trace.push(seen);
  if (!d) return false;
  w.res.authorization.push(d);
  if (d.verdict !== "deny") return false;
  step(w, "authorization", "decided", d.summary);
  if (d.denial?.connection || !http) refuse(w, d.denial?.connection ?? "failed", d.summary);
  else Object.assign(w.res, { status: d.denial?.status ?? 403, grpcCode: d.denial?.grpcCode, backend: null, backends: [], upstream: null, redirect: null, responseHeaders: {}, mirroredTo: [], reason: d.summary });
  return true;
}

/**
 * An Istio gateway that sends to its backend Service's waypoint (mesh/waypoint.ts ingressWaypoint:
 * istio.io/ingress-use-waypoint): the waypoint takes the request for the Service as it takes an
 * ambient client's, so the routes bound to the Service there apply to what the gateway forwards
 * (mesh/route.ts routeAtService with the waypoint: listener_waypoint.go
 * buildWaypointInboundHTTPRouteConfig). The backend they pick, "decided" when they answer themselves
 * (a redirect, a 404, a refusal), or undefined when no route is bound there.
 */
function waypointRoutes(w: Walk, b: ResolvedBackend): ResolvedBackend | "decided" | undefined {
  if (!b.service || !b.servicePort) return undefined;
  const use = requestWaypoint(w.ctx.inv, { ambientClient: false, ingress: b.service });
  if (!use.waypoint) return undefined;
  const up = w.res.upstream;
  const forwarded: RouteRequest = up ? { ...w.req, host: up.host, path: up.path ?? w.req.path, method: up.method ?? w.req.method, headers: up.headerList ?? w.req.headers } : w.req;
  const at = emptyResult();
  const bound = routeAtService(w.ctx.mesh, b.service, b.servicePort, { waypoint: use.waypoint, reader: "envoy", reading: "proxy" }, forwarded, at);
  if (!bound || "unrouted" in bound) return undefined;
  Object.assign(w.res, { status: at.status, connection: at.connection, backend: at.backend, redirect: at.redirect, upstream: at.upstream, grpcCode: at.grpcCode, backends: at.backends });
  w.res.responseHeaders = { ...w.res.responseHeaders, ...at.responseHeaders };
  if (!at.backend) w.res.reason = "";
  const chose = routesChose(w, bound, `at waypoint ${use.waypoint.namespace}/${use.waypoint.name} (${use.why}), `, at);
  if (chose === "decided") return chose;
  // The waypoint's own scope holds the Services exported to its namespace (DefaultSidecarScopeForGateway).
  const hidden = chose.picked?.service ? serviceHiddenFrom(chose.picked.service, use.waypoint.namespace) : undefined;
  if (hidden) { noCluster(w, hidden, `waypoint ${use.waypoint.namespace}/${use.waypoint.name}`); return "decided"; }
  return chose.picked;
}

/**
 * An Istio gateway's route whose `Hostname` backendRef names a ServiceEntry's host (mesh/hostname-backend.ts:
 * pilot's destination is that host, at the backendRef's port): the gateway's pod connects to the entry's
 * destination as a sidecar client would (mesh-entry.ts toServiceEntry: its endpoints, the pods its
 * workloadSelector selects, or the address its host resolves to).
 */
function gatewayToServiceEntry(w: Walk, picked: ResolvedBackend, pod: Endpoint | undefined, missingPods: string, controller: string | undefined): RequestAnswer {
  if (!pod) {
    step(w, "network", "bypassed", `${missingPods}: the hop from the Gateway to the backend is not checked`);
    step(w, "backend", "decided", w.res.reason);
    return w.res;
  }
  w.via = { ...(controller ? { controller } : {}) };
  return toServiceEntry({ ...w, client: { endpoint: pod } }, picked.serviceEntry!, picked.ref.name, picked.ref.port!);
}

/**
 * An Istio gateway whose pods are not in the input (`pod` stands in: their namespace and the labels they
 * carry at least): the AuthorizationPolicies that may select them, which their Envoy enforces before its
 * router. istiod applies a policy of the root namespace to every namespace's workloads and one of another
 * namespace to that namespace's; a `selector` (none: the whole namespace) not contradicting the labels may
 * select them; `targetRefs` select a Gateway API Gateway of the policy's namespace by name (never a classic
 * gateway's pods, `classic`, whose namespace is not known: the Gateway's is taken). AUDIT only logs.
 * Undefined: none may (the answer stands), else why the answer is unknown.
 */
function unseenPolicies(ctx: WalkContext, pod: Endpoint, classic: boolean): string | undefined {
  const root = istioSettingsOf(ctx.inv.mesh, pod).istioRootNamespace;
  const gateway = classic ? undefined : pod.labels[GATEWAY_NAME_LABEL];
  const may = ctx.inv.mesh.istio.authorizations.filter((p) => {
    if (p.action === "audit" || (p.namespace !== root && p.namespace !== pod.namespace)) return false;
    if (p.targetRefs?.length) return gateway !== undefined && p.namespace === pod.namespace && p.targetRefs.some((t) => t.kind === "Gateway" && t.group === "gateway.networking.k8s.io" && t.name === gateway);
    return Object.entries(p.selector ?? {}).every(([k, v]) => pod.labels[k] === undefined || pod.labels[k] === v);
  });
  if (!may.length) return undefined;
  const names = may.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(", ") + (may.length > 3 ? `, and ${may.length - 3} more` : "");
  return `the gateway's pods are not in the input: the AuthorizationPolicies ${names} may select them (${classic ? "their selector does not contradict the Gateway's" : "by targetRefs or a selector the pods' labels may hold"}), and their Envoy enforces those before routing; Junction does not judge them without the pods`;
}

/** What the client's own proxy does to a request for the gateway (clientToGateway): `istioMtls`, the SNI of the Istio mutual TLS its sidecar originates. */
export interface ClientLeg { istioMtls?: string }

/**
 * The hop from a client in the cluster (a pod of the input) to the gateway's pod, before the gateway's
 * routing: the network policies of both ends (the client's egress, the gateway pods' ingress) on the port
 * the gateway's pod receives on; then, for a client with an Istio sidecar dialling the gateway's Service
 * (`service`, port `servicePort`), the TLS its sidecar originates for the gateway's cluster: its
 * DestinationRule's mode for that Service (l7/transport.ts istioClientRule, model/mesh.ts istioClusterTls),
 * else auto mTLS, Istio mutual TLS to an endpoint labelled security.istio.io/tlsMode=istio only (the
 * sidecar injector labels its pods so; the gateway injection template does not: plaintext). Istio mTLS
 * carries SNI outbound_.PORT_._.HOST (cluster_builder buildIstioMutualTLS: the cluster's SNI; a
 * DestinationRule's `sni` is not read). The answer when the hop decides, else what the client sends.
 */
export function clientToGateway(w: Walk, pods: readonly Endpoint[], listenPort: number, service?: Service, servicePort?: number): RequestAnswer | ClientLeg {
  const client = w.client?.endpoint;
  if (!client || client.kind !== "pod" || !w.client) return {};
  const pod = pods[0];
  if (!pod) { step(w, "network", "bypassed", `the gateway's pods are not in the input: the client's hop to them is not checked`); return {}; }
  const address = pod.addresses[0];
  const hop = checkHop(w.ctx.policy, w.client, [{ endpoint: pod, ...(address ? { address } : {}), port: listenPort }], protocolOf(w.req));
  const to = `the gateway's pod ${pod.namespace}/${pod.name} port ${listenPort}`;
  if (hop && !hop.verdict.allowed) {
    const side = !hop.verdict.egress.allowed ? `the client's egress (${client.namespace}/${client.name})` : `the gateway pod's ingress`;
    step(w, "network", "decided", `the policies deny the client's hop to ${to}: ${side}`);
    return refuse(w, "rejected", `the network policies deny the connection from ${client.namespace}/${client.name} to ${to} (${side})`);
  }
  if (hop) step(w, "network", "passed", `the policies allow the client's hop to ${to}`);
  const member = w.ctx.membership.of(client);
  if (!service || servicePort === undefined || proxyMesh(w.ctx.inv, member) !== "istio" || member.dataplane === "ambient") return {};
  const rule = istioClientRule(w.ctx.inv.mesh, client, service);
  const mode = rule ? istioClusterTls(rule, servicePort) : undefined;
  const auto = mode === undefined && pod.labels[TLS_MODE_LABEL] === "istio";
  const by = rule && mode !== undefined ? `DestinationRule ${rule.namespace}/${rule.name} (tls mode ${mode})` : auto ? `auto mTLS (the gateway's pod is labelled ${TLS_MODE_LABEL}=istio)` : undefined;
  const originated = auto ? "ISTIO_MUTUAL" : mode === "DISABLE" ? undefined : mode;
  if (!originated) {
    step(w, "entry", "passed", `the client's sidecar sends the connection to the gateway's Service ${service.namespace}/${service.name} as the application does (${by ?? `no DestinationRule sets TLS for it and the gateway's pod is not labelled ${TLS_MODE_LABEL}=istio: auto mTLS sends plaintext`})`);
    return {};
  }
  if (usesTls(w.req.scheme)) {
    step(w, "entry", "decided", `the client's sidecar wraps the application's TLS in its own (${by}): the gateway reads the sidecar's ClientHello, not the application's, and the handshake the application started fails`);
    return refuse(w, "failed", w.res.reason);
  }
  if (originated !== "ISTIO_MUTUAL") {
    const why = `the client's sidecar originates TLS to the gateway (${by}) with the SNI its DestinationRule's \`sni\` sets, which Junction does not read`;
    step(w, "entry", "decided", why);
    Object.assign(w.res, { status: null, backend: null, upstream: null, responseHeaders: {}, reason: why, unknown: why });
    return w.res;
  }
  const sni = `outbound_.${servicePort}_._.${serviceHost(service)}`;
  step(w, "entry", "passed", `the client's sidecar originates Istio mutual TLS to the gateway (${by}), SNI ${sni}`);
  return { istioMtls: sni };
}
