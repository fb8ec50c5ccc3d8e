// Istio's `Hostname` backendRef (group networking.istio.io), as pilot converts it for a mesh route and
// for a Gateway's route alike (pilot/pkg/config/kube/gateway/conversion.go buildDestination, `case
// config.GroupVersionKind{Group: gvk.ServiceEntry.Group, Kind: "Hostname"}`): mesh/engine.ts
// resolveBackends and gateway/engine.ts routeState (an Istio Gateway's routes) both resolve it here.

import type { Inventory } from "../../model/inventory.js";
import type { IstioServiceEntry } from "../../model/mesh.js";
import { compareCreated } from "../../model/time.js";
import { CORE_GROUP, GATEWAY_GROUP, ISTIO_NETWORKING_GROUP, type BackendRef, type Route } from "../../model/route.js";
import type { BackendIndex, ResolvedBackend } from "../gateway/backends.js";
import type { Problem } from "../gateway/conditions.js";
import { serviceHost } from "./dns.js";
import { permitted } from "../gateway/grants.js";

/** Whether a backendRef is Istio's `Hostname` kind. */
export const isIstioHostname = (ref: { group?: string; kind: string }) => ref.group === ISTIO_NETWORKING_GROUP && ref.kind === "Hostname";

/**
 * An Istio `Hostname` backendRef: the destination host is the name, and LookupHostname must find a
 * service of exactly that host (not a `*.` wildcard covering it) **in the route's namespace**, else
 * "backend(%s) not found": route_collections.go LookupHostname(hostname, namespace) is
 * gatewaycommon/context.go GetService, "gc.ps.ServiceIndex.HostnameAndNamespace[host.Name(hostname)][namespace]",
 * an index by host and then by the service's own namespace (push_context.go initServiceRegistry:
 * "hostMap[s.Attributes.Namespace] = s", whatever its exportTo; of several, a Kubernetes Service over a
 * ServiceEntry, else the first, "which is the oldest"). So a Service's host names it only from a route
 * of its namespace, and a ServiceEntry's only from a route of the entry's namespace (the namespace
 * cannot be set: hostnameWithNamespace). Then the backendRef's port. `enforceRefGrant`: the conversion
 * for an Istio Gateway (route_collections.go convertHTTPRoute(ctx, r, obj, n, !mesh)), which checks a
 * ReferenceGrant first when `namespace` names another namespace (buildDestination: "if toNs :=
 * to.Namespace; toNs != nil && string(*toNs) != ns { if !ctx.Grants.BackendAllowed(...)":
 * InvalidDestinationPermit, RefNotPermitted, "backendRef %v/%v not accessible to a %s in namespace %q
 * (missing a ReferenceGrant?)", an invalid backend the route keeps, answered 500); a namespace that
 * passes it, or any in the mesh, is a hard error (hostnameWithNamespace).
 */
export function istioHostnameBackend(inv: Inventory, route: Route, ref: BackendRef, index: BackendIndex, enforceRefGrant = false): ResolvedBackend {
  if (enforceRefGrant && notPermitted(inv, route, ref)) {
    return { ref, name: ref.name, problem: { reason: "RefNotPermitted", message: `backendRef ${ref.name}/${ref.namespace} not accessible to a ${route.kind} in namespace ${JSON.stringify(route.namespace)} (missing a ReferenceGrant?)` } };
  }
  const host = ref.name.toLowerCase();
  const notFound = (why: string): ResolvedBackend => ({ ref, name: ref.name, problem: { reason: "BackendNotFound", message: `backend(${ref.name}) not found${why}` } });
  const service = inv.services.find((s) => s.namespace === route.namespace && serviceHost(s) === host);
  if (service) {
    const resolved = index.resolve({ group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace }, { ...ref, group: CORE_GROUP, kind: "Service", namespace: service.namespace, name: service.name }, false);
    return { ...resolved, ref };
  }
  const entry = inv.mesh.istio.serviceEntries.filter((e) => e.namespace === route.namespace && e.hosts.includes(host))
    .reduce<IstioServiceEntry | undefined>((first, e) => (!first || compareCreated(e.created, first.created) < 0 ? e : first), undefined);
  if (!entry) return notFound("");
  if (ref.port === undefined || !entry.ports.some((p) => p.number === ref.port)) return notFound(`: ServiceEntry ${entry.namespace}/${entry.name} has no port ${ref.port ?? "(none given)"}`);
  return { ref, name: `ServiceEntry ${entry.namespace}/${entry.name}`, serviceEntry: entry };
}

/** A `Hostname` backendRef whose `namespace` names another namespace than the route's that no ReferenceGrant there allows (buildDestination's check on a Gateway's route). */
function notPermitted(inv: Inventory, route: Route, ref: BackendRef): boolean {
  return ref.namespaceSet === true && ref.namespace !== route.namespace
    && !permitted(inv.routing.referenceGrants, { group: GATEWAY_GROUP, kind: route.kind, namespace: route.namespace }, { group: ISTIO_NETWORKING_GROUP, kind: "Hostname", namespace: ref.namespace, name: ref.name });
}

/**
 * An Istio `Hostname` backendRef that sets `namespace`, in a rule's backendRefs of weight above 0
 * (buildDestination: "if to.Namespace != nil { return nil, nil, &ConfigError{Reason:
 * InvalidDestination, Message: "namespace may not be set with Hostname type"} }", whatever the
 * namespace). The mesh's conversion checks no ReferenceGrant first (enforceRefGrant is !mesh); an
 * Istio Gateway's (`inv` given) does, and a reference it refuses is an invalid backend instead
 * (istioHostnameBackend), not this error. InvalidDestination is no isInvalidBackend reason:
 * buildHTTPDestination (buildGRPCDestination, buildTCPDestination) returns it as a hard error, and
 * the route's conversion yields no route at all ("This was a hard error", computeRoute). Backends of
 * weight 0 are never built ("if wt == 0 { continue }"); a RequestMirror's backend is, but its error
 * only goes to the status (mirrorBackendErr).
 */
export function hostnameWithNamespace(route: Route, inv?: Inventory): Problem | undefined {
  const bad = route.rules.some((r) => r.backends.some((b) => isIstioHostname(b) && b.namespaceSet && b.weight > 0 && !(inv && notPermitted(inv, route, b))));
  return bad ? { reason: "InvalidDestination", message: "namespace may not be set with Hostname type" } : undefined;
}
