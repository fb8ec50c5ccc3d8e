// Which pods take part in the mesh, i.e. run a proxy that applies mesh routing (client side) and
// authorization (server side). GAMMA has no notion of injection, so when the input shows none,
// every pod is in the mesh. When Istio or Linkerd injection is visible, each pod is decided the
// way their admission webhooks decide at pod creation:
//   Istio (istio-discovery mutatingwebhook.yaml + pkg/kube/inject injectRequired): the webhook is
//     called when the namespace has istio-injection=enabled, or istio.io/rev (and no istio-injection
//     label), or neither and the pod is labelled istio.io/rev or sidecar.istio.io/inject=true; the pod
//     label sidecar.istio.io/inject=false opts out; then the label (else the annotation)
//     sidecar.istio.io/inject decides, "true" by default. Never for host-network pods or kube-system/kube-public.
//   Linkerd (pkg/inject/report.go): the pod annotation linkerd.io/inject (enabled|ingress|disabled)
//     overrides the namespace's; no injection for host-network pods, pods that already have a
//     proxy, or pods with automountServiceAccountToken: false.
//   Istio ambient (istio-cni values.yaml ambient.enablementSelectors): the pod label
//     istio.io/dataplane-mode=ambient, or the namespace label with the pod not labelled none; pods
//     with a sidecar are left to it. ztunnel on the node is the pod's proxy (no container).
// A pod that was admitted (it has an address) already shows its sidecar container, which is authoritative.

import type { Endpoint, Namespace } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";

export type MeshKind = "gamma" | "istio" | "linkerd";

export interface Membership {
  inMesh: boolean;
  /** The mesh whose proxy the endpoint runs ("gamma": no mesh is visible, every pod is assumed in it). */
  mesh?: MeshKind;
  /** Istio: a sidecar in the pod, or ambient (ztunnel on the node, and a waypoint if the pod uses one). */
  dataplane?: "sidecar" | "ambient";
  /** One line: why. */
  why: string;
}

const ISTIO_IGNORED_NAMESPACES = ["kube-system", "kube-public"];
const LINKERD_ENABLING = ["enabled", "ingress"];
const PROXIES: Record<string, MeshKind> = { "istio-proxy": "istio", "linkerd-proxy": "linkerd" };

const INJECT = "sidecar.istio.io/inject";
const REV = "istio.io/rev";
const NS_INJECTION = "istio-injection";
const LINKERD = "linkerd.io/inject";
const DATAPLANE = "istio.io/dataplane-mode";
const REDIRECTION = "ambient.istio.io/redirection";

/** Whether the input shows any mesh injection setting or proxy (otherwise every pod is in the mesh). */
export function injectionVisible(inv: Inventory): boolean {
  for (const ns of inv.namespaces.values()) {
    if (NS_INJECTION in ns.labels || REV in ns.labels || DATAPLANE in ns.labels || (ns.annotations && LINKERD in ns.annotations)) return true;
  }
  return inv.endpoints.some((e) => e.kind === "pod" && (e.proxyContainer !== undefined || INJECT in e.labels || REV in e.labels || DATAPLANE in e.labels
    || (e.annotations !== undefined && (INJECT in e.annotations || LINKERD in e.annotations || REDIRECTION in e.annotations))));
}

/** Decides mesh membership per endpoint, once per inventory. */
export class MeshMembership {
  readonly visible: boolean;

  constructor(private readonly inv: Inventory) {
    this.visible = injectionVisible(inv);
  }

  of(e: Endpoint | undefined): Membership {
    if (!e) return { inMesh: false, why: "an address outside the model runs no mesh proxy" };
    if (e.kind !== "pod") return { inMesh: false, why: `a ${e.kind === "workload" ? "Workload" : e.kind} runs no mesh proxy Junction knows of` };
    if (!this.visible) return { inMesh: true, mesh: "gamma", why: "no mesh injection is visible in the input: every pod is taken to be in the mesh" };
    if (e.proxyContainer) return sidecar(e.proxyContainer);
    const ns = this.inv.namespaces.get(e.namespace ?? "");
    const admitted = e.addresses.length > 0 && !e.fromTemplate;
    const injected = admitted ? undefined : istio(e, ns) ?? linkerd(e, ns);
    return injected ?? ambient(e, ns) ?? { inMesh: false, why: admitted
      ? "the pod was created without a proxy container (it has an address and no istio-proxy or linkerd-proxy container) and is not enrolled in Istio ambient"
      : "neither Istio (sidecar or ambient) nor Linkerd applies to the pod or its namespace" };
  }
}

function sidecar(container: string): Membership {
  const mesh = PROXIES[container];
  return { inMesh: true, mesh, ...(mesh === "istio" ? { dataplane: "sidecar" as const } : {}), why: `the pod runs the ${container} container` };
}

/** Istio ambient enrolment (ztunnel redirects the pod's traffic); undefined when the pod is not enrolled. */
function ambient(e: Endpoint, ns: Namespace | undefined): Membership | undefined {
  if (e.hostNetwork) return undefined;
  const pod = e.labels[DATAPLANE], nsMode = ns?.labels[DATAPLANE];
  const by = e.annotations?.[REDIRECTION] === "enabled" ? `the pod annotation ${REDIRECTION}=enabled (enrolled)`
    : pod === "ambient" ? `pod label ${DATAPLANE}=ambient`
    : nsMode === "ambient" && pod !== "none" ? `namespace label ${DATAPLANE}=ambient` : undefined;
  return by ? { inMesh: true, mesh: "istio", dataplane: "ambient", why: `Istio ambient: ${by}` } : undefined;
}

/** Istio's decision when its webhook is called for the pod; undefined when Istio does not inject it. */
function istio(e: Endpoint, ns: Namespace | undefined): Membership | undefined {
  const nsl = ns?.labels ?? {};
  const podLabel = e.labels[INJECT];
  if (e.hostNetwork || ISTIO_IGNORED_NAMESPACES.includes(e.namespace ?? "") || podLabel === "false") return undefined;
  const called = nsl[NS_INJECTION] === "enabled" ? `namespace label ${NS_INJECTION}=enabled`
    : NS_INJECTION in nsl ? undefined
    : REV in nsl ? `namespace label ${REV}=${nsl[REV]}`
    : REV in e.labels ? `pod label ${REV}=${e.labels[REV]}`
    : podLabel === "true" ? `pod label ${INJECT}=true` : undefined;
  if (!called) return undefined;
  const choice = podLabel ?? e.annotations?.[INJECT];
  if (choice === "false") return undefined;
  return { inMesh: true, mesh: "istio", dataplane: "sidecar", why: `Istio injects the sidecar: ${called}` };
}

function linkerd(e: Endpoint, ns: Namespace | undefined): Membership | undefined {
  const pod = e.annotations?.[LINKERD];
  const nsValue = ns?.annotations?.[LINKERD];
  const enabledBy = pod !== undefined && LINKERD_ENABLING.includes(pod) ? `pod annotation ${LINKERD}=${pod}`
    : nsValue !== undefined && LINKERD_ENABLING.includes(nsValue) && pod !== "disabled" ? `namespace annotation ${LINKERD}=${nsValue}` : undefined;
  if (!enabledBy) return undefined;
  if (e.hostNetwork || e.automountToken === false) return undefined;
  return { inMesh: true, mesh: "linkerd", why: `Linkerd injects the proxy: ${enabledBy}` };
}

/**
 * The mesh whose proxy a member runs: its own, or for "gamma" (no injection visible) the mesh whose
 * policies or routing the input has, Istio first (AuthorizationPolicy, PeerAuthentication,
 * RequestAuthentication, VirtualService, DestinationRule, Sidecar, ServiceEntry, WorkloadEntry: only
 * istiod reads them; then Linkerd's policy.linkerd.io); undefined when nothing says.
 */
export function proxyMesh(inv: Inventory, m: Membership): "istio" | "linkerd" | undefined {
  if (!m.inMesh) return undefined;
  if (m.mesh === "istio" || m.mesh === "linkerd") return m.mesh;
  const i = inv.mesh.istio, l = inv.mesh.linkerd;
  if ([i.authorizations, i.peerAuthentications, i.requestAuthentications, i.virtualServices, i.clientTls, i.sidecars, i.serviceEntries, i.workloadEntries].some((x) => x.length > 0)) return "istio";
  return [l.servers, l.authorizations, l.routes, l.egressNetworks].some((x) => x.length > 0) ? "linkerd" : undefined;
}
