// A Service port's endpoints, as kube-proxy and Gateway data planes see them: the EndpointSlices
// labelled with the Service's name when the input holds some, otherwise the pods the selector
// picks (what the EndpointSlice controller writes). Headless Services are resolved the same way.
// One function for north-south (Gateway backends) and east-west (mesh) requests.

import type { Endpoint, Service, ServicePort } from "./endpoint.js";
import type { EndpointSlice } from "./endpointslice.js";
import { endpointsRevision, type Inventory } from "./inventory.js";
import { addressKey, formatAddress, parseAddress, type AddressKey } from "./ip.js";
import { matches, selector } from "./selector.js";

export interface ServiceEndpoint {
  /** The address traffic goes to; undefined for a pod made from a workload template. */
  address?: string;
  /** The port on the endpoint (the Service port's targetPort, resolved). */
  port: number;
  /** conditions.ready (unset: true). */
  ready: boolean;
  /** conditions.serving as kube-proxy reads it (unset: true; endpointslicecache.go addEndpoints). */
  serving: boolean;
  /** conditions.terminating (unset: false). */
  terminating: boolean;
  /** conditions.serving and conditions.terminating are both written (the EndpointSlice controller writes all three). */
  servingAndTerminating?: true;
  /** The node the endpoint is on (the slice's nodeName, else its pod's), when known. */
  node?: string;
  /** Not the first of its slice endpoint's addresses: kube-proxy uses only the first (chooseEndpoints). */
  secondary?: true;
  /** The pod behind the address, when the input holds it. */
  pod?: Endpoint;
}

export interface ServiceEndpoints {
  /**
   * "EndpointSlice": the input's EndpointSlices of the Service; "selector": the pods the selector
   * picks; "unknown": the input says nothing about them (no EndpointSlice, and no pod at all in the
   * Service's namespace, or an ExternalName Service): they are assumed to exist and be ready.
   */
  from: "EndpointSlice" | "selector" | "unknown";
  endpoints: ServiceEndpoint[];
  /** Where the endpoints come from, in words. */
  note: string;
}

/** A Service port's targetPort on one pod: a number, or a container port name looked up on the pod. */
export function targetPortOn(sp: ServicePort, pod: Endpoint): number | undefined {
  if (typeof sp.targetPort === "number") return sp.targetPort;
  return pod.ports.find((p) => p.name === sp.targetPort && p.protocol === sp.protocol)?.port;
}

/**
 * Which ports of an EndpointSlice serve a Service port: kube-proxy's reading (the slice port named as
 * the Service port, with a number; every other data plane reads them so), or ingress-nginx's
 * (slicePortsForNginx).
 */
export type SlicePortReading = "kube-proxy" | "ingress-nginx";

/** The endpoints of one Service port (`reading`: whose reading of the slices' ports). */
export function serviceEndpoints(inv: Inventory, s: Service, sp: ServicePort, reading: SlicePortReading = "kube-proxy"): ServiceEndpoints {
  const l = lookup(inv);
  const memo = reading === "kube-proxy" ? l.results : l.nginxResults;
  let e = memo.get(sp);
  if (!e || e.service !== s) memo.set(sp, e = { service: s, endpoints: computeEndpoints(inv, l, s, sp, reading) });
  return e.endpoints;
}

function computeEndpoints(inv: Inventory, l: Lookup, s: Service, sp: ServicePort, reading: SlicePortReading): ServiceEndpoints {
  const name = `${s.namespace}/${s.name}`;
  if (s.type === "ExternalName") return { from: "unknown", endpoints: [], note: `ExternalName Service ${name} is resolved by DNS` };
  // Endpoints objects are mirrored only for a Service without selector (endpointslicemirroring: the
  // EndpointSlice controller writes the slices of a Service with one, from its pods).
  const all = l.slices.get(`${s.namespace}/${s.name}`) ?? [];
  const slices = s.selector ? all.filter((x) => !x.mirrored) : all;
  if (slices.length) return { from: "EndpointSlice", endpoints: sliceEndpoints(l, slices, sp, reading), note: `EndpointSlices ${slices.map((e) => e.name).join(", ")}` };
  const pods = l.pods.get(s.namespace) ?? [];
  if (s.selector) {
    const sel = selector(s.selector);
    const picked = pods.filter((p) => matches(sel, p.labels));
    if (picked.length || pods.length) return { from: "selector", endpoints: podEndpoints(s, picked, sp), note: `pods selected by ${Object.entries(s.selector).map(([k, v]) => `${k}=${v}`).join(",") || "(empty selector)"}` };
    return { from: "unknown", endpoints: [], note: `the input holds no pod in namespace ${s.namespace}; Service ${name} is assumed to have ready endpoints` };
  }
  if (inv.endpointSlices.some((e) => e.namespace === s.namespace)) return { from: "EndpointSlice", endpoints: [], note: `Service ${name} has no selector and no EndpointSlice` };
  return { from: "unknown", endpoints: [], note: `Service ${name} has no selector and the input holds no EndpointSlice in namespace ${s.namespace}; it is assumed to have ready endpoints` };
}

/**
 * Who picks the endpoint of a connection to a Service, which decides what a not-ready endpoint is:
 * - "proxy": a proxy or resolver that sends only to ready endpoints (conditions.ready, unset read as
 *   ready) and has nothing to fall back to: ingress-nginx (getEndpointsFromSlices skips
 *   `Ready != nil && !*Ready`) and Junction's nginx target; Istio's gateways, sidecars and waypoints
 *   (endpointHealthStatus: Healthy only when ready; the endpoint builder drops UnHealthy endpoints
 *   unless SupportsUnhealthyEndpoints; terminating ones go only to persistent-session Services);
 *   Linkerd (endpointSliceToAddresses skips not-ready endpoints), ztunnel, and DNS for headless
 *   Services; a Gateway of an unknown controller.
 * - "envoy-gateway": Envoy Gateway (internal/gatewayapi/route.go getIREndpointsFromEndpointSlice) sends
 *   every endpoint to Envoy, marking it draining when serving and terminating are both written and it
 *   is terminating or not serving, else when ready is false; Envoy excludes draining hosts from
 *   balancing (EDS_STATUS_DRAINING, excluded hosts), but with no other host its panic mode (default
 *   healthy_panic_threshold 50%: 0 healthy hosts is below it) balances over all hosts
 *   (LoadBalancerBase::recalculatePerPriorityPanic, hostSourceToUse AllHosts), draining ones included;
 *   unless a BackendTrafficPolicy's healthCheck.panicThreshold is 0 (chooseEndpoints).
 * - "kube-proxy": ready endpoints, and when there is none, those serving and terminating (pkg/proxy/
 *   topology.go CategorizeEndpoints: "If we didn't get any endpoints, try again using terminating
 *   endpoints"), so that a rollout's last pods keep answering while they shut down.
 */
export type EndpointReader = "proxy" | "envoy-gateway" | "kube-proxy";

export interface EndpointChoice {
  /** The endpoints connections go to. */
  chosen: ServiceEndpoint[];
  /** Which condition chose them, e.g. "2 ready endpoints on node a (internalTrafficPolicy Local ...)". */
  why: string;
  /** What the others are ("" or "; 1 not ready ..."). */
  others: string;
  /** Chosen by more than readiness: kube-proxy's fallback to terminating endpoints, or internalTrafficPolicy Local. */
  notable: boolean;
}

/**
 * The endpoints a reader sends connections to. `client`: the client's node for a Service with
 * internalTrafficPolicy Local (only endpoints on that node; kube-proxy falls back to the node's
 * serving terminating ones, CategorizeEndpoints' localEndpoints); undefined: the policy does not apply.
 * `panicThreshold`: Envoy's healthy_panic_threshold for "envoy-gateway" (a BackendTrafficPolicy's
 * healthCheck.panicThreshold; undefined: Envoy's default, 50).
 */
export function chooseEndpoints(e: ServiceEndpoints, reader: EndpointReader, local?: { node?: string; policy?: string }, panicThreshold?: number): EndpointChoice {
  // kube-proxy takes an endpoint's first address only (addEndpoints: `endpoint.Addresses[0]`; the API:
  // "clients may choose to only use the first element"); proxies and DNS take them all.
  let all = reader === "kube-proxy" && e.endpoints.some((x) => x.secondary) ? e.endpoints.filter((x) => !x.secondary) : e.endpoints;
  let where = "";
  if (local) {
    const policy = local.policy ?? "internalTrafficPolicy";
    if (local.node === undefined) where = ` (${policy} Local, but the client's node is not in the input: every endpoint counted as local)`;
    else { const n = all.length; all = all.filter((x) => x.node === local.node); where = ` on node ${local.node} (${policy} Local: ${all.length} of ${n} endpoint${n === 1 ? "" : "s"} there)`; }
  }
  const count = (n: number, what: string) => `${n} ${what} endpoint${n === 1 ? "" : "s"}`;
  if (reader === "envoy-gateway") {
    const healthy = all.filter((x) => !envoyGatewayDraining(x));
    if (healthy.length) return { chosen: healthy, why: `${count(healthy.length, "ready")}${where}`, others: healthy.length < all.length ? `; ${all.length - healthy.length} draining (not ready, or terminating), which Envoy excludes` : "", notable: where !== "" };
    if (!all.length) return { chosen: [], why: `no endpoint${where}`, others: "", notable: where !== "" };
    // LoadBalancerBase::isHostSetInPanic: excluded (draining) hosts leave the denominator, so no healthy
    // host is 0%, below every threshold but 0; with 0, recalculatePerPriorityPanic ("panic is disabled
    // and there is no hosts available") leaves the balancer no host to pick: Envoy answers 503.
    if (panicThreshold === 0) return { chosen: [], why: `no ready endpoint${where}`, others: `; ${all.length} draining (not ready, or terminating), which Envoy excludes, and its panic mode is disabled (healthCheck.panicThreshold 0)`, notable: true };
    const threshold = panicThreshold === undefined ? "the default healthy_panic_threshold 50%" : `the healthy_panic_threshold ${panicThreshold}% (healthCheck.panicThreshold)`;
    return { chosen: all, why: `no ready endpoint${where}: Envoy Gateway marks the ${all.length === 1 ? "endpoint" : `${all.length} endpoints`} draining, and Envoy's panic mode (no healthy host, below ${threshold}) sends to them all`, others: "", notable: true };
  }
  const ready = all.filter((x) => x.ready);
  const rest = all.length - ready.length;
  const draining = all.filter((x) => !x.ready && x.serving && x.terminating).length;
  if (ready.length || reader === "proxy") {
    const unused = draining && reader === "proxy" ? ` (${count(draining, "serving terminating")} among them, which only kube-proxy falls back to)` : "";
    return { chosen: ready, why: `${ready.length ? count(ready.length, "ready") : "no ready endpoint"}${where}`, others: rest ? `; ${rest} not ready${unused}` : "", notable: where !== "" };
  }
  if (!draining) return { chosen: [], why: `no ready endpoint${where}`, others: rest ? `; ${rest} not ready, none of them serving and terminating` : "", notable: where !== "" };
  const chosen = all.filter((x) => x.serving && x.terminating);
  return { chosen, why: `no ready endpoint${where}: kube-proxy falls back to the ${count(draining, "serving terminating")} (CategorizeEndpoints)`, others: rest > draining ? `; ${rest - draining} other not ready` : "", notable: true };
}

/**
 * Envoy Gateway's draining endpoint (getIREndpointsFromEndpointSlice): "Unknown Serving/Terminating
 * (nil) should fall-back to Ready": with both written, terminating or not serving; else not ready.
 */
function envoyGatewayDraining(x: ServiceEndpoint): boolean {
  return x.servingAndTerminating ? x.terminating || !x.serving : !x.ready;
}

/** Whether the reader (a proxy by default) finds no endpoint to send requests to (known to have none it would use; `panicThreshold`: chooseEndpoints'). */
export function hasNoReadyEndpoint(e: ServiceEndpoints, reader: EndpointReader = "proxy", panicThreshold?: number): boolean {
  return e.from !== "unknown" && !chooseEndpoints(e, reader, undefined, panicThreshold).chosen.length;
}

/**
 * Pods by namespace and EndpointSlices by Service, built once per state of the inventory, so that a
 * request costs what its Service's namespace holds, not every pod (a cluster of 10k pods answers
 * 100k requests), and each Service port's endpoints once. Rebuilt when endpoints are added or
 * removed or the lists are replaced.
 */
interface Lookup {
  endpoints: readonly Endpoint[]; count: number; revision: number; sliceList: readonly EndpointSlice[]; sliceCount: number;
  pods: Map<string, Endpoint[]>; slices: Map<string, EndpointSlice[]>;
  /** Pods by "namespace/name" and (not host-network) by address, the first in the input of each (built on first use by a slice). */
  podNames?: Map<string, Endpoint>; podAddresses?: Map<AddressKey, Endpoint>;
  /** Each Service port's endpoints, computed once for this state. */
  results: WeakMap<ServicePort, { service: Service; endpoints: ServiceEndpoints }>;
  /** The same by ingress-nginx's reading of the slices' ports. */
  nginxResults: WeakMap<ServicePort, { service: Service; endpoints: ServiceEndpoints }>;
}
const LOOKUPS = new WeakMap<Inventory, Lookup>();

function lookup(inv: Inventory): Lookup {
  const cur = LOOKUPS.get(inv), revision = endpointsRevision(inv);
  if (cur && cur.endpoints === inv.endpoints && cur.count === inv.endpoints.length && cur.revision === revision && cur.sliceList === inv.endpointSlices && cur.sliceCount === inv.endpointSlices.length) return cur;
  const pods = new Map<string, Endpoint[]>(), slices = new Map<string, EndpointSlice[]>();
  const add = <T>(m: Map<string, T[]>, k: string, v: T) => { const l = m.get(k); if (l) l.push(v); else m.set(k, [v]); };
  for (const e of inv.endpoints) if (e.kind === "pod" && e.namespace !== undefined) add(pods, e.namespace, e);
  for (const sl of inv.endpointSlices) if (sl.service !== undefined) add(slices, `${sl.namespace}/${sl.service}`, sl);
  const fresh = { endpoints: inv.endpoints, count: inv.endpoints.length, revision, sliceList: inv.endpointSlices, sliceCount: inv.endpointSlices.length, pods, slices, results: new WeakMap(), nginxResults: new WeakMap() };
  LOOKUPS.set(inv, fresh);
  return fresh;
}

/**
 * The pods a selector picks: each with its targetPort; pods lacking a named targetPort are left out,
 * as the EndpointSlice controller does. Its conditions are podToEndpoint's (staging/src/k8s.io/
 * endpointslice/utils.go): serving is the pod's Ready condition, terminating its
 * deletionTimestamp, and `ready := service.Spec.PublishNotReadyAddresses || (serving && !terminating)`.
 */
function podEndpoints(s: Service, pods: readonly Endpoint[], sp: ServicePort): ServiceEndpoint[] {
  return pods.flatMap((pod) => {
    const port = targetPortOn(sp, pod);
    if (port === undefined) return [];
    const serving = pod.ready !== false, terminating = pod.terminating === true;
    const conditions = { ready: s.publishNotReadyAddresses === true || (serving && !terminating), serving, terminating, servingAndTerminating: true as const, node: pod.nodeName };
    return pod.addresses.length ? pod.addresses.map((a) => ({ address: formatAddress(a), port, ...conditions, pod })) : [{ port, ...conditions, pod }];
  });
}

/** The addresses of the slices for the Service port (its port name and protocol), each once. */
function sliceEndpoints(look: Lookup, slices: readonly EndpointSlice[], sp: ServicePort, reading: SlicePortReading): ServiceEndpoint[] {
  const out = new Map<string, ServiceEndpoint>();
  for (const slice of slices) {
    for (const port of reading === "ingress-nginx" ? slicePortsForNginx(slice, sp) : slicePortsForKubeProxy(slice, sp)) addSliceEndpoints(look, out, slice, port);
  }
  return [...out.values()];
}

/**
 * kube-proxy's: the slice port named as the Service port, of its protocol. A slice port without a
 * number serves nothing: kube-proxy skips it (endpointslicecache.go endpointInfoByServicePort: "TODO:
 * handle nil ports to mean all", "Ignoring invalid endpoint port").
 */
function slicePortsForKubeProxy(slice: EndpointSlice, sp: ServicePort): number[] {
  const port = slice.ports.find((x) => x.name === (sp.name ?? "") && x.protocol === sp.protocol)?.port;
  return port === undefined ? [] : [port];
}

/**
 * ingress-nginx's (internal/ingress/controller/endpointslices.go getEndpointsFromSlices): a slice
 * without ports gives the Service port's targetPort when it is a number; else each slice port of the
 * protocol gives its number when the Service port has no name ("port.Name is optional if there is
 * only one port") or the same name, and otherwise the Service port's numeric targetPort ("use
 * service target port if it's a number and no port name matched", kubernetes/ingress-nginx#7390). So
 * a slice whose port names are not the Service's still serves it, where kube-proxy finds nothing.
 */
function slicePortsForNginx(slice: EndpointSlice, sp: ServicePort): number[] {
  const target = typeof sp.targetPort === "number" ? sp.targetPort : undefined;
  if (!slice.ports.length) return target === undefined ? [] : [target];
  const out: number[] = [];
  for (const p of slice.ports) {
    if (p.protocol !== sp.protocol) continue;
    const port = (!sp.name || p.name === sp.name ? p.port : undefined) || target;
    if (port) out.push(port);
  }
  return out;
}

/** The slice's endpoints at `port`, each address once (`out` by address:port). */
function addSliceEndpoints(look: Lookup, out: Map<string, ServiceEndpoint>, slice: EndpointSlice, port: number): void {
  for (const e of slice.endpoints) {
    const pod = e.pod ? podNames(look).get(`${e.pod.namespace}/${e.pod.name}`) : undefined;
    e.addresses.forEach((address, i) => {
      const key = `${address}:${port}`;
      const prev = out.get(key);
      // An address in two endpoints (a pod's address reused while the old pod terminates, or an
      // endpoint moving between slices): the one not terminating wins (endpointslicecache.go addEndpoints).
      if (prev && !(prev.terminating && !e.terminating) && !(prev.secondary && i === 0)) return;
      const on = pod ?? podWithAddress(look, address);
      out.set(key, {
        address, port, ready: e.ready, serving: e.serving ?? true, terminating: e.terminating, ...(e.servingAndTerminating ? { servingAndTerminating: true as const } : {}),
        node: e.nodeName ?? on?.nodeName, pod: on, ...(i > 0 ? { secondary: true as const } : {}),
      });
    });
  }
}

/** The pod (not host-network) with this address, the first in the input (it was a scan of every endpoint per slice address). */
function podWithAddress(look: Lookup, address: string): Endpoint | undefined {
  const a = parseAddress(address);
  if (!a) return undefined;
  if (!look.podAddresses) {
    const m = look.podAddresses = new Map<AddressKey, Endpoint>();
    for (const e of look.endpoints) if (e.kind === "pod" && !e.hostNetwork) for (const x of e.addresses) { const k = addressKey(x); if (!m.has(k)) m.set(k, e); }
  }
  return look.podAddresses.get(addressKey(a));
}

/** Pods by "namespace/name", the first in the input of each (it was a scan of every endpoint per slice endpoint). */
function podNames(look: Lookup): Map<string, Endpoint> {
  if (!look.podNames) {
    const m = look.podNames = new Map<string, Endpoint>();
    for (const e of look.endpoints) if (e.kind === "pod") { const k = `${e.namespace}/${e.name}`; if (!m.has(k)) m.set(k, e); }
  }
  return look.podNames;
}

/**
 * The workload a pod belongs to, as its name shows it: the controller (a Deployment for the pods
 * of its ReplicaSets), or, for a pod without ownerReferences, its name without the ReplicaSet's
 * pod-template-hash and random suffix.
 */
export function workloadOf(pod: Endpoint): string {
  const hash = pod.labels["pod-template-hash"];
  const strip = (n: string) => (hash && n.endsWith(`-${hash}`) ? n.slice(0, -hash.length - 1) : undefined);
  if (pod.owner) return pod.owner.kind === "ReplicaSet" ? strip(pod.owner.name) ?? pod.owner.name : pod.owner.name;
  const rs = hash ? pod.name.slice(0, Math.max(0, pod.name.lastIndexOf("-"))) : "";
  return strip(rs) ?? pod.name;
}

/** "namespace/workload" when every endpoint a proxy (a Gateway) chooses is a pod of one workload; undefined otherwise. */
export function servingWorkload(e: ServiceEndpoints): string | undefined {
  const ready = chooseEndpoints(e, "proxy").chosen;
  const names = new Set(ready.map((x) => (x.pod ? `${x.pod.namespace}/${workloadOf(x.pod)}` : "")));
  const [only] = names;
  return names.size === 1 && only ? only : undefined;
}
