// References between Gateway API objects: parentRefs, backendRefs, certificate and CA refs.
// Each reader fills in the defaults the API applies (group, kind, namespace, weight).

import { CORE_GROUP, GATEWAY_GROUP, type BackendRef, type ObjectRef, type ParentRef, type RouteFilter } from "../../model/route.js";
import type { Field } from "../fields.js";
import { readPortNumber } from "../k8s.js";
import { readGroup, readKind, readNamespaceName, readObjectName, readSectionName } from "./values.js";

export function readParentRef(f: Field, routeNamespace: string): ParentRef | undefined {
  if (!f.object(true)) return undefined;
  const name = readObjectName(f.get("name"));
  const ref: ParentRef = {
    group: readGroup(f.get("group"), GATEWAY_GROUP),
    kind: readKind(f.get("kind"), "Gateway"),
    namespace: readNamespaceName(f.get("namespace")) ?? routeNamespace,
    name: name ?? "",
    sectionName: readSectionName(f.get("sectionName")),
    port: f.get("port").present ? readPortNumber(f.get("port")) : undefined,
  };
  return name === undefined ? undefined : ref;
}

/** A reference to an object in the referrer's namespace unless `namespace` is given. */
export function readObjectRef(f: Field, namespace: string, group: string, kind: string): ObjectRef | undefined {
  if (!f.object(true)) return undefined;
  const name = readObjectName(f.get("name"));
  const ref = { group: readGroup(f.get("group"), group), kind: readKind(f.get("kind"), kind), namespace: readNamespaceName(f.get("namespace")) ?? namespace, name: name ?? "" };
  return name === undefined ? undefined : ref;
}

const isService = (r: { group: string; kind: string }) => r.group === CORE_GROUP && r.kind === "Service";

/**
 * A backendRef; `filters` reads its per-backend filters (HTTPRoute and GRPCRoute only). `cel`: the CRD's
 * rule that a Service reference sets port applies (Linkerd's HTTPRoute CRD has no CEL rules).
 */
export function readBackendRef(f: Field, namespace: string, filters?: (f: Field) => RouteFilter[], cel = true): BackendRef | undefined {
  const ref = readObjectRef(f, namespace, CORE_GROUP, "Service");
  if (!ref) return undefined;
  const portField = f.get("port");
  const port = portField.present ? readPortNumber(portField) : undefined;
  if (cel && !portField.present && isService(ref)) portField.error("required", "a backendRef to a Service must set port");
  const weight = f.get("weight").int({ min: 0, max: 1_000_000 }) ?? 1;
  const own = filters ? filters(f.get("filters")) : [];
  if (!filters && f.get("filters").present) f.get("filters").error("unknown-field", "backend filters are not allowed on this route kind");
  return { ...ref, ...(f.get("namespace").present ? { namespaceSet: true as const } : {}), port, weight, filters: own, src: { ...f.ctx.ref, path: f.path } };
}
