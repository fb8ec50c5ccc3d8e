// A request to Istio's classic ingress gateway (networking.istio.io Gateway): the gateway's pods (the
// Service in front of them, the address a client dials, or the Gateway named), the server the port and
// SNI pick, the gateway's AuthorizationPolicies (before its router, as at a Gateway API Istio gateway:
// gateway-entry.ts istioGatewayRbac), the VirtualServices bound to it (engine/mesh/istio-gateway.ts), then
// the hop from a gateway pod to the backend (gateway-entry.ts gatewayToBackend) with the X-Forwarded-For
// its Envoy appends (the peer istioGatewayPeer judges).

import { serviceSelects, type Endpoint, type Service } from "../../model/endpoint.js";
import { parseAddress, sameAddress, type Address } from "../../model/ip.js";
import type { IstioClassicGateway, IstioGatewayServer } from "../../model/mesh.js";
import { istioSettingsOf, isHttpProtocol } from "../../model/mesh.js";
import { usesTls, type RouteRequest } from "../../model/request.js";
import { emptyResult } from "../gateway/request.js";
import { requestPort } from "../gateway/route.js";
import type { Party } from "../match.js";
import { serviceHost } from "../mesh/dns.js";
import { proxyMesh } from "../mesh/membership.js";
import { arrivalPort, chainBySni, frontingServices, classicGatewayPods, classicName, classicSelects, credentialProblem, gatewayChains, mergeClassic, routeGatewayHttp, serverListenPort, sidecarsSelected, type GatewayChain, type GatewayHttpRouted, type MergedPort, type ProxyServer } from "../mesh/istio-gateway.js";
import { destinationBackend } from "../mesh/virtualservice.js";
import { chainName, routeChain } from "../mesh/virtualservice-l4.js";

import { ISTIO_GATEWAY_CONTROLLER } from "../mesh/waypoint.js";
import { pickedBackend } from "./backends.js";
import { emptyAnswer, refuse, step, type RequestAnswer, type Walk, type WalkContext } from "./answer.js";
import { envoyForwarded } from "./forwarded.js";
import { clientToGateway, gatewayToBackend, istioGatewayPeer, istioGatewayRbac, type ClientLeg } from "./gateway-entry.js";
import { hostHeaderRequest } from "./serve.js";

/** The classic gateway a request goes to: its pods, the Gateway that named them (or the Service dialled), how it was found. */
export interface ClassicTarget { pods: Endpoint[]; gateway?: IstioClassicGateway; service?: Service; how: string }

/** Whether `name` (the host dialled, no port) names the Service: an address of it (cluster, external, load balancer) or its DNS name. */
function dials(s: Service, name: string): boolean {
  const a = parseAddress(name);
  if (a) return [...s.clusterIPs, ...(s.externalIPs ?? []), ...(s.loadBalancerIngress ?? []).map((i) => i.ip)].some((x) => sameAddress(x, a));
  const fqdn = serviceHost(s);
  return [`${s.name}.${s.namespace}`, `${s.name}.${s.namespace}.svc`, fqdn].includes(name.toLowerCase().replace(/\.$/, ""));
}

/**
 * The classic Istio gateway a request is for, or undefined (the Gateway API's or the mesh's): the
 * networking.istio.io Gateway `--gateway` names when no Gateway API Gateway has that name; else the
 * Service the URL's host names (an address or DNS name of it) when it fronts pods a classic Gateway
 * selects; else, for a client outside the cluster with no Gateway API Gateway on the port, the one set
 * of gateway pods whose Gateways have a server on the port (for the host, when several).
 */
export function classicTarget(ctx: WalkContext, req: RouteRequest, gatewayApiProblem: string | undefined): ClassicTarget | string | undefined {
  const gateways = ctx.inv.mesh.istio.gateways;
  if (!gateways.length) return undefined;
  if (req.gateway) {
    if (!gatewayApiProblem) return undefined;
    const [ns, name] = req.gateway.includes("/") ? req.gateway.split("/", 2) : [undefined, req.gateway];
    const found = gateways.filter((g) => g.name === name && (ns === undefined || g.namespace === ns));
    if (found.length > 1) return `several networking.istio.io Gateways are named ${req.gateway} (${found.map(classicName).join(", ")}); give NAMESPACE/NAME`;
    return found.length ? { pods: classicGatewayPods(ctx.inv, found[0]), gateway: found[0], how: `Gateway ${classicName(found[0])} (networking.istio.io)` } : undefined;
  }
  const dialled = (req.host ?? "").replace(/:\d+$/, "").replace(/^\[(.*)\]$/, "$1");
  if (dialled) {
    for (const s of ctx.inv.services) {
      if (!dials(s, dialled)) continue;
      const pods = ctx.inv.endpoints.filter((e) => e.kind === "pod" && !e.istioSidecar && serviceSelects(s, e) && gateways.some((g) => g.selector && classicSelects(g, e)));
      if (pods.length) return { pods, service: s, how: `Service ${s.namespace}/${s.name} (${dialled}), in front of Istio gateway pods` };
    }
  }
  if (req.from || !gatewayApiProblem) return undefined;
  const port = requestPort(req);
  const host = (req.sni ?? hostHeaderRequest(req).host ?? "").replace(/:\d+$/, "").toLowerCase();
  // A server listens on the target port its number resolves to (serverListenPort), which a connection to `port` reaches through a Service in front (arrivalPort).
  const podOf = new Map(gateways.map((g) => [g, classicGatewayPods(ctx.inv, g)[0]] as const));
  const serves = (g: IstioClassicGateway, s: IstioGatewayServer) => { const pod = podOf.get(g); return pod ? serverListenPort(ctx.inv, pod, s.port.number) === arrivalPort(ctx.inv, pod, port) : s.port.number === port; };
  const onPort = gateways.filter((g) => g.servers.some((s) => serves(g, s)));
  const forHost = onPort.filter((g) => g.servers.some((s) => serves(g, s) && s.hosts.some((h) => { const x = h.slice(h.indexOf("/") + 1).toLowerCase(); return x === "*" || x === host || (x.startsWith("*.") && host.endsWith(x.slice(1))); })));
  const found = forHost.length ? forHost : onPort;
  if (!found.length) return undefined;
  // Gateways with one selector are one gateway deployment's servers (merged: mergeGateways).
  const key = (g: IstioClassicGateway) => JSON.stringify(Object.entries(g.selector ?? {}).sort());
  if (new Set(found.map(key)).size > 1) return `several Istio gateways (networking.istio.io) listen on port ${port} (${found.map(classicName).join(", ")}); name one with --gateway or dial its Service's address`;
  return { pods: classicGatewayPods(ctx.inv, found[0]), gateway: found[0], how: `Gateway ${classicName(found[0])} (networking.istio.io), the one with a server on port ${port}` };
}

export function istioIngressEntry(ctx: WalkContext, req: RouteRequest, client: Party | undefined, target: ClassicTarget): RequestAnswer {
  const address = client?.address ?? client?.endpoint?.addresses[0];
  const pods = target.pods;
  // The proxy: a pod of the input, else one in the Gateway's namespace with its selector's labels.
  const pod: Endpoint = pods[0] ?? { id: -1, kind: "pod", name: `(a pod of Gateway ${target.gateway ? classicName(target.gateway) : "?"})`, namespace: target.gateway?.namespace, labels: { ...target.gateway?.selector }, addresses: [], ports: [] };
  // Envoy listens on the target port of the Service port dialled, and builds each server's listener on the
  // target port its number resolves to (model/gateway.go resolvePorts), which AuthorizationPolicy `ports` match.
  const port = requestPort(req);
  const listenPort = arrivalPort(ctx.inv, pod, port, target.service);
  const settings0 = ctx.inv.mesh.settings;
  const merged = mergeClassic(ctx.inv.mesh.istio.gateways.filter((g) => (pods.length ? classicSelects(g, pod, settings0) : g === target.gateway || (g.selector !== undefined && classicSelects(g, pod, settings0)))), (n) => serverListenPort(ctx.inv, pod, n));
  const at = merged.ports.get(listenPort);
  const names = merged.gateways.map(classicName).join(", ");
  const base = emptyResult();
  base.gateway = at ? at.servers[0].gateway : target.gateway ? classicName(target.gateway) : names;
  const w: Walk = { ctx, req, client, res: emptyAnswer(req, { kind: "gateway", gateway: base.gateway }, base) };
  const podNote = pods.length ? `pods ${pods.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(", ")}${pods.length > 3 ? ", ..." : ""}` : "no pod of the input";
  w.res.steps.push({ stage: "gateway", outcome: `Istio gateway (${target.how}; ${podNote}; Gateways ${names || "none"}), port ${port}`, detail: merged.skipped });
  // The Gateway's selector picks only pods with a sidecar: pilot gives them no gateway listener (SetGatewaysForProxy: routers only).
  const sidecars = !pods.length && target.gateway ? sidecarsSelected(ctx.inv, target.gateway) : [];
  if (sidecars.length) { step(w, "entry", "decided", `Gateway ${classicName(target.gateway!)} selects only pods whose istio-proxy is a sidecar (${sidecars.slice(0, 3).map((p) => `${p.namespace}/${p.name}`).join(", ")}), not a gateway: istiod merges Gateways for router proxies only (push_context.go SetGatewaysForProxy), so their Envoy has sidecar listeners and no server of the Gateway: a request sent to them is the pods' own inbound traffic, not routed by the Gateway's VirtualServices`); return refuse(w, "rejected", w.res.reason); }
  if (!merged.gateways.length) { step(w, "entry", "decided", `no networking.istio.io Gateway selects the pods of ${target.how}${settings0.istioScopeGatewayToNamespace ? ` in their namespace ${pod.namespace} (istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE)` : ""}: their Envoy has no listener`); return refuse(w, "rejected", w.res.reason); }
  if (target.service && !target.service.ports.some((p) => p.port === port)) { step(w, "entry", "decided", `Service ${target.service.namespace}/${target.service.name} has no port ${port}`); return refuse(w, "rejected", w.res.reason); }
  if (!at) { step(w, "entry", "decided", `no server of ${names} listens on port ${listenPort}${listenPort !== port ? ` (the target port of port ${port})` : ""}: the gateway's Envoy has no listener there`); return refuse(w, "rejected", w.res.reason); }
  // A server's `bind`: pilot builds its listener on that address only (mergeGateways keys servers by port, protocol and bind;
  // buildGatewayListeners one listener per bind), beside or instead of the port's wildcard one: not modelled, the answer is unknown.
  const bound = at.servers.filter((s) => s.server.bind);
  if (bound.length) {
    const why = `${bound.map((s) => `server ${s.server.port.name} of Gateway ${s.gateway} binds to ${s.server.bind}`).join("; ")}: Envoy listens on that address only for it, which Junction does not model`;
    step(w, "entry", "decided", why);
    Object.assign(w.res, { status: null, backend: null, upstream: null, responseHeaders: {}, reason: why, unknown: why });
    return w.res;
  }
  // A client in the cluster: its hop to the gateway's pod, and the TLS its own sidecar originates (clientToGateway).
  const dialled = target.service ?? frontingServices(ctx.inv, pod).find((s) => s.ports.some((p) => p.port === port));
  const leg = clientToGateway(w, pods, listenPort, dialled, dialled ? port : undefined);
  if ("steps" in leg) return leg as RequestAnswer;
  const q = hostHeaderRequest(req);
  const tls = usesTls(req.scheme) || leg.istioMtls !== undefined;
  const settings = istioSettingsOf(ctx.inv.mesh, pods[0]);
  const done = (routed: GatewayHttpRouted): RequestAnswer => afterRouting(w, pods, routed.states.map((v) => v.state), address);
  // The AuthorizationPolicies of the gateway's pods, before its router (`pod` stands in when they are not in the input).
  const rbac = (http: boolean): boolean => istioGatewayRbac(w, pods, http, listenPort, true, pod);
  // The port's plain-text servers: all of them, or those after its TLS servers (one more chain of the listener, with no match).
  const plainServers = at.plain ? at.servers : at.plainServers;
  const plain = (mixed: string): RequestAnswer => {
    const servers = plainServers!;
    const first = servers[0].server;
    if (!servers.some((s) => isHttpProtocol(s.server.port.protocol))) {
      return l4(w, pods, pod, { port: at.port, plain: true, servers }, "", leg, address, rbac);
    }
    w.res.listener = first.port.name;
    step(w, "entry", "passed", `the HTTP servers on port ${port} (${servers.map((s) => `${s.server.port.name} of ${s.gateway}`).join(", ")}): route configuration http.${listenPort}${mixed}`);
    if (leg.istioMtls) { step(w, "entry", "decided", `the client's sidecar originates Istio mutual TLS to a plain-text ${first.port.protocol} server of the gateway: its HTTP codec reads the ClientHello as a malformed request and closes the connection`); return refuse(w, "failed", w.res.reason); }
    if (tls) { step(w, "entry", "decided", mixed ? `the plain-text HTTP chain takes the TLS connection no TLS server's SNI matches: Envoy's HTTP codec reads the ClientHello as a malformed request and closes the connection, so the TLS handshake fails` : `port ${port} of the gateway is plain-text HTTP (no TLS server): the TLS handshake fails`); return refuse(w, "failed", w.res.reason); }
    if (rbac(true)) return w.res;
    return done(routeGatewayHttp(ctx.inv, ctx.mesh.backendIndex, pod, `http.${listenPort}`, servers, port, false, q, w.res, settings));
  };
  if (at.plain) return plain("");
  // TLS servers: the filter chain the SNI picks.
  const sni = (leg.istioMtls ?? req.sni ?? "").toLowerCase();
  if (plainServers) {
    // A TLS chain without server names matches every connection as the plain-text one does: Envoy refuses a listener of two chains with one match ("multiple filter chains with the same matching rules").
    const { chains: tlsChains } = gatewayChains(ctx.inv, pod.namespace ?? "", at, pod);
    const catchAll = tlsChains.find((c) => !c.sni.length || c.sni.includes("*"));
    const why = `port ${port} holds TLS servers (${at.servers.map((s) => `${s.server.port.name} of ${s.gateway}`).join(", ")}) and, after them, the plain-text ${plainServers.map((s) => `${s.server.port.protocol} server ${s.server.port.name} of ${s.gateway}`).join(", ")} (mergeGateways adds a plain-text server to a port of TLS servers as another chain of its listener; only a plain-text server first keeps TLS ones off: canMergeProtocols)`;
    if (catchAll) { step(w, "entry", "decided", `${why}; server ${catchAll.server.server.port.name}'s chain matches any SNI, as the plain-text one matches everything: Envoy rejects the listener ("multiple filter chains with the same matching rules are defined"), so nothing listens on port ${listenPort}`); return refuse(w, "rejected", w.res.reason); }
    w.res.steps.push({ stage: "listener", outcome: why });
    if (!tls || !chainBySni(tlsChains, sni)) return plain(`, the chain of port ${port} without a match (its TLS servers' chains match by SNI)`);
  }
  if (!tls) { step(w, "entry", "decided", `port ${port} of the gateway serves TLS only (${at.servers.map((s) => s.server.port.name).join(", ")}): a plain-text connection matches no filter chain and Envoy closes it`); return refuse(w, "failed", w.res.reason); }
  return l4(w, pods, pod, at, sni, leg, address, rbac, (s) => {
    const server = s.server;
    const mode = server.tls!.mode;
    step(w, "entry", "passed", `server ${server.port.name} of Gateway ${s.gateway} (HTTPS, TLS ${mode} terminated${server.tls!.credentialName ? ` with credentialName ${server.tls!.credentialName}` : ""}) for SNI ${sni || "(none)"}`);
    const noCert = credentialProblem(ctx.inv, server, pod);
    if (noCert) { step(w, "entry", "decided", `${noCert}: the TLS handshake on server ${server.port.name}'s filter chain fails`); return refuse(w, "failed", w.res.reason); }
    // Only an Istio proxy holds a workload certificate istiod signed: a client outside the mesh, a pod without a proxy or with Linkerd's has none.
    // Only an Istio proxy holds a workload certificate istiod signed, and a sidecar presents it when it originates Istio mTLS (clientToGateway), not in the application's own TLS.
    if (mode === "ISTIO_MUTUAL" && !leg.istioMtls) { const istio = client?.endpoint && proxyMesh(ctx.inv, ctx.membership.of(client.endpoint)) === "istio"; step(w, "entry", "decided", `server ${server.port.name} is ISTIO_MUTUAL: the gateway asks for an Istio workload certificate, which ${istio ? "the application's own TLS does not carry (its sidecar presents one when it originates Istio mTLS for a plain-text request: a DestinationRule ISTIO_MUTUAL for the gateway's Service)" : `a client ${client?.endpoint ? "without an Istio proxy" : "outside the mesh"} does not have`}: the TLS handshake fails`); return refuse(w, "failed", w.res.reason); }
    if (mode !== "ISTIO_MUTUAL" && leg.istioMtls) { step(w, "entry", "decided", `server ${server.port.name} is ${mode} with a certificate of its own: the client's sidecar, originating Istio mutual TLS, accepts only a certificate of Istio's root for the gateway's identity: the TLS handshake fails`); return refuse(w, "failed", w.res.reason); }
    if (mode === "MUTUAL" && !req.clientCert) { step(w, "entry", "decided", `server ${server.port.name} is MUTUAL: the gateway requires a client certificate and the request presents none (--client-cert): the TLS handshake fails`); return refuse(w, "failed", w.res.reason); }
    if (rbac(true)) return w.res;
    return done(routeGatewayHttp(ctx.inv, ctx.mesh.backendIndex, pod, `https.${port}.${server.port.name}.${s.gw.name}.${s.gw.namespace}`, [s], port, true, q, w.res, settings));
  });
}

/**
 * A connection the gateway's filter chains take as TCP: on a port of TLS servers the chain its SNI picks
 * (an HTTPS server's goes to `https`), a plain TCP server's otherwise; the chain's route (a `tcp` or
 * `tls` route of a bound VirtualService), the gateway's AuthorizationPolicies (the TCP filter), then the
 * hop to the backend. No chain: Envoy closes the connection.
 */
function l4(w: Walk, pods: readonly Endpoint[], pod: Endpoint, at: MergedPort, sni: string, leg: ClientLeg, address: Address | undefined, rbac: (http: boolean) => boolean, https?: (s: ProxyServer) => RequestAnswer): RequestAnswer {
  const { chains, skipped } = gatewayChains(w.ctx.inv, pod.namespace ?? "", at, pod);
  for (const why of skipped) w.res.steps.push({ stage: "listener", outcome: why });
  const plain = !https;
  const chosen = plain ? chains[0] : chainBySni(chains, sni);
  const names = chains.map((c) => `${c.kind === "tls" ? `${chainName(c.chain)}` : `server ${c.server.server.port.name}`}: ${c.sni.join(", ") || "any SNI"}`).join("; ");
  if (!chosen) {
    step(w, "entry", "decided", plain ? `no VirtualService bound to server ${at.servers[0].server.port.name} of Gateway ${at.servers[0].gateway} has a tcp route for it: pilot writes no filter chain ("listener missed network filter") and Envoy closes the connection` : `no filter chain of port ${requestPort(w.req)}${at.port !== requestPort(w.req) ? ` (the listener on its target port ${at.port})` : ""} matches SNI ${sni || "(none)"} (${names || "none: no server or bound tls route gives the port one"}): Envoy closes the connection`);
    return refuse(w, "failed", w.res.reason);
  }
  const s = chosen.server;
  Object.assign(w.res, { listener: s.server.port.name, gateway: s.gateway });
  w.res.entry = { kind: "gateway", gateway: s.gateway, listener: s.server.port.name };
  if (chosen.kind === "https") return https!(s);
  if (chosen.kind === "auto") return autoPassthrough(w, pods, pod, chosen, leg);
  const mode = s.server.tls ? `TLS ${s.server.tls.mode}${chosen.kind === "tcp" ? " terminated" : ""}` : s.server.port.protocol;
  step(w, "entry", "passed", `server ${s.server.port.name} of Gateway ${s.gateway} (${mode})${chosen.sni.length ? ` for SNI ${sni || "(none)"}` : ""}`);
  const noCert = chosen.kind === "tcp" && s.server.tls ? credentialProblem(w.ctx.inv, s.server, pod) : undefined;
  if (noCert) { step(w, "entry", "decided", `${noCert}: the TLS handshake on server ${s.server.port.name}'s filter chain fails`); return refuse(w, "failed", w.res.reason); }
  if (rbac(false)) return w.res;
  const state = routeChain(w.ctx.mesh, chosen.chain, chosen.kind === "tls" ? "TLSRoute" : "TCPRoute", s.server.port.number, pod, w.req, w.res, sni || undefined, "the gateway", "gateway.go");
  return afterRouting(w, pods, [state], address);
}

/**
 * An AUTO_PASSTHROUGH chain (builtAutoPassthroughFilterChains): it matches its cluster's SNI with Istio's
 * mTLS ALPNs only ("istio", "istio-peer-exchange", "istio-http/1.0", "istio-http/1.1", "istio-h2":
 * listener.go allIstioMtlsALPNs), which an Istio proxy's mTLS carries and no other client's TLS, so only a
 * client with an Istio proxy passes; its TCP proxy forwards the connection to the cluster's endpoints
 * (the Service port, the DestinationRule subset) with no VirtualService and no authorization at the
 * gateway ("We do not want any authz here"); the TLS is the client's end to end, so the backend's
 * authorizers see the client's identity.
 */
function autoPassthrough(w: Walk, pods: readonly Endpoint[], pod: Endpoint, chosen: Extract<GatewayChain, { kind: "auto" }>, leg: ClientLeg): RequestAnswer {
  const { ctx, client } = w;
  const s = chosen.server, cluster = chosen.sni[0];
  step(w, "entry", "passed", `server ${s.server.port.name} of Gateway ${s.gateway} (TLS AUTO_PASSTHROUGH): the chain of SNI ${cluster}, the cluster of Service ${chosen.service.namespace}/${chosen.service.name} port ${chosen.port.port}${chosen.subset ? ` subset ${chosen.subset}` : ""} (builtAutoPassthroughFilterChains)`);
  // Only the Istio mutual TLS a sidecar originates (clientToGateway) offers those ALPNs: a pod with an Istio
  // sidecar whose application speaks TLS itself has it passed on as written, with the application's ALPNs.
  if (!leg.istioMtls) {
    const istio = client?.endpoint && proxyMesh(ctx.inv, ctx.membership.of(client.endpoint)) === "istio";
    const who = istio ? "the application's own TLS, which its sidecar passes on as it is, does not offer (nor, ended at the backend's sidecar, would it carry the Istio workload certificate that asks for)" : `a client ${client?.endpoint ? "without an Istio proxy" : "outside the mesh"} does not offer`;
    step(w, "entry", "decided", `the chain matches Istio's mTLS ALPNs only (listener.go allIstioMtlsALPNs), which ${who}: no filter chain matches and Envoy closes the connection`);
    return refuse(w, "failed", w.res.reason);
  }
  const ref = { group: "", kind: "Service", namespace: chosen.service.namespace, name: chosen.service.name, port: chosen.port.port, weight: 1, filters: [] };
  const b = destinationBackend(ctx.inv, ctx.mesh.backendIndex, { host: serviceHost(chosen.service), port: chosen.port.port, ...(chosen.subset ? { subset: chosen.subset } : {}), weight: 0 }, ref, chosen.port.port, { pod });
  if (b.failure) { step(w, "routing", "decided", `${b.failure.message.replace(/Envoy answers 503.*$/, "Envoy's TCP proxy closes the connection")}`); return refuse(w, "failed", w.res.reason); }
  Object.assign(w.res, { backend: b.name, listener: s.server.port.name, upstream: { tls: true, sni: cluster }, reason: `server ${s.server.port.name} of Gateway ${s.gateway} passes the connection through to ${b.name} by its SNI ${cluster} (AUTO_PASSTHROUGH: no VirtualService, no AuthorizationPolicy at the gateway)` });
  step(w, "routing", "passed", w.res.reason);
  w.istioCluster = { service: `${chosen.service.namespace}/${chosen.service.name}`, port: chosen.port.port, ...(chosen.subset ? { subset: chosen.subset } : {}) };
  const ns = pod.namespace ?? "";
  return gatewayToBackend(w, b, { pods, istioNamespace: ns, controller: ISTIO_GATEWAY_CONTROLLER, reader: "proxy", missingPods: "the gateway's pods are not in the input", backend: w.res.backend, reason: w.res.reason, peer: client });
}

/** The routing layer's answer, then the backend: a redirect, 404 or local reply decides; a route's destination goes on from a gateway pod. */
function afterRouting(w: Walk, pods: readonly Endpoint[], states: Parameters<typeof pickedBackend>[0], address: Address | undefined): RequestAnswer {
  if (!w.res.backend) { step(w, "routing", "decided", w.res.reason); return w.res; }
  step(w, "routing", "passed", w.res.reason);
  const first = pickedBackend(states, w.res);
  // Its Envoy appends the peer it sees to X-Forwarded-For (use_remote_address on gateways), which the backend's sidecar reads.
  w.forwarded = envoyForwarded(undefined, istioGatewayPeer(w, pods, address, true));
  const ns = pods[0]?.namespace ?? w.res.gateway?.split("/")[0] ?? "";
  return gatewayToBackend(w, first, { pods, istioNamespace: ns, controller: ISTIO_GATEWAY_CONTROLLER, reader: "proxy", missingPods: `the gateway's pods are not in the input`, backend: w.res.backend, reason: w.res.reason });
}

