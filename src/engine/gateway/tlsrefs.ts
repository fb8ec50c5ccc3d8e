// References from a Gateway to TLS material: listener certificates (Secrets), client CA bundles
// (ConfigMaps) and the client certificate it presents to backends, each with the reason code
// upstream defines for its failures.

import { hasIngressSemantics, type Gateway, type ListenerSet, type RouteGraph, type TlsMaterial } from "../../model/gateway.js";
import { CORE_GROUP, GATEWAY_GROUP, type ObjectRef } from "../../model/route.js";
import type { Problem } from "./conditions.js";
import { notPermittedMessage, permitted } from "./grants.js";

export function findTlsMaterial(graph: RouteGraph, kind: TlsMaterial["kind"], namespace: string, name: string): TlsMaterial | undefined {
  return graph.tlsMaterial.find((m) => m.kind === kind && m.namespace === namespace && m.name === name);
}

type Check = { kind: TlsMaterial["kind"]; badKind: string; bad: string };
const CERTIFICATE: Check = { kind: "Secret", badKind: "InvalidCertificateRef", bad: "InvalidCertificateRef" };
const CA_BUNDLE: Check = { kind: "ConfigMap", badKind: "InvalidCACertificateKind", bad: "InvalidCACertificateRef" };
const CLIENT_CERTIFICATE: Check = { kind: "Secret", badKind: "InvalidClientCertificateRef", bad: "InvalidClientCertificateRef" };

function check(graph: RouteGraph, gw: Gateway, ref: ObjectRef, c: Check, set?: ListenerSet): { problem?: Problem; material?: TlsMaterial } {
  const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
  if (ref.group !== CORE_GROUP || ref.kind !== c.kind) return { problem: { reason: c.badKind, message: `${ref.group ? `${ref.group}/` : ""}${what}: only core ${c.kind}s are supported` } };
  // A ListenerSet's listeners refer from the ListenerSet: grants to its parent Gateway are not inherited.
  const from = set ? { group: GATEWAY_GROUP, kind: "ListenerSet", namespace: set.namespace } : { group: GATEWAY_GROUP, kind: "Gateway", namespace: gw.namespace };
  // A Gateway standing for an IngressClass uses the Secrets of the Ingresses' own namespaces.
  if (!hasIngressSemantics(gw) && !permitted(graph.referenceGrants, from, ref)) return { problem: { reason: "RefNotPermitted", message: notPermittedMessage(from, ref) } };
  const material = findTlsMaterial(graph, c.kind, ref.namespace, ref.name);
  if (!material) return { problem: { reason: c.bad, message: `${what} not found` } };
  if (material.problem) return { problem: { reason: c.bad, message: `${what} ${material.problem}` } };
  return { material };
}

export const checkCertificateRef = (g: RouteGraph, gw: Gateway, ref: ObjectRef, set?: ListenerSet) => check(g, gw, ref, CERTIFICATE, set);
export const checkCaRef = (g: RouteGraph, gw: Gateway, ref: ObjectRef) => check(g, gw, ref, CA_BUNDLE);
export const checkClientCertificateRef = (g: RouteGraph, gw: Gateway, ref: ObjectRef) => check(g, gw, ref, CLIENT_CERTIFICATE);
