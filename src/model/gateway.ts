// The Gateway API graph: GatewayClass → Gateway → listeners ← routes → backends, the
// ReferenceGrants that allow cross-namespace references, and the TLS material status needs.

import type { LabelSelector } from "./selector.js";
import type { ObjectMeta, ObjectRef, Route } from "./route.js";
import type { SourceRef } from "./source.js";

export interface GatewayClass {
  name: string;
  controllerName: string;
  generation: number;
  parametersRef?: ObjectRef;
  manifest?: Record<string, unknown>;
  src?: SourceRef;
}

export type ListenerProtocol = "HTTP" | "HTTPS" | "TLS" | "TCP" | "UDP";
export const LISTENER_PROTOCOLS: readonly ListenerProtocol[] = ["HTTP", "HTTPS", "TLS", "TCP", "UDP"];

export interface AllowedRoutes {
  namespaces: { from: "All" | "Same" | "Selector"; selector?: LabelSelector };
  /** Unset: every route kind the protocol supports. */
  kinds?: { group: string; kind: string }[];
}

export interface Listener {
  name: string;
  port: number;
  /** Any string the API accepts; only LISTENER_PROTOCOLS are supported. */
  protocol: string;
  hostname?: string;
  tls?: { mode: "Terminate" | "Passthrough"; certificateRefs: ObjectRef[] };
  allowedRoutes: AllowedRoutes;
}

export interface GatewayAddress { type: string; value?: string }

/** Client certificate validation of the connections a Gateway terminates (spec.tls.frontend). */
export interface FrontendValidation {
  caCertificateRefs: ObjectRef[];
  mode: "AllowValidOnly" | "AllowInsecureFallback";
}

export interface Gateway extends ObjectMeta {
  className: string;
  listeners: Listener[];
  addresses: GatewayAddress[];
  infrastructure?: { parametersRef?: { group: string; kind: string; name: string } };
  tls?: {
    /** The certificate the Gateway presents to backends (spec.tls.backend.clientCertificateRef). */
    backendClientCertificate?: ObjectRef;
    frontendDefault?: FrontendValidation;
    frontendPerPort: { port: number; validation: FrontendValidation }[];
  };
}

export interface ReferenceGrant {
  namespace: string;
  name: string;
  from: { group: string; kind: string; namespace: string }[];
  /** name unset: every object of that kind in the grant's namespace. */
  to: { group: string; kind: string; name?: string }[];
  src?: SourceRef;
}

/** A Secret or ConfigMap holding certificates, read as far as status and TLS checks need it. */
export interface TlsMaterial {
  kind: "Secret" | "ConfigMap";
  namespace: string;
  name: string;
  /** PEM certificates found (tls.crt, or ca.crt for CA bundles). */
  certificates: string[];
  /** A Secret's tls.key (PEM), for data planes that serve the certificate (the nginx target); never printed. */
  privateKey?: string;
  /** Why the material is unusable as a serving certificate or CA bundle, if it is. */
  problem?: string;
}

/** BackendTLSPolicy: TLS from the Gateway to a Service (hostname = SNI and the name verified). */
export interface BackendTlsPolicy extends ObjectMeta {
  targets: { group: string; kind: string; name: string; sectionName?: string }[];
  hostname: string;
  /** CA bundles that verify the backend's certificate; or the system's ("System"). */
  caCertificateRefs: ObjectRef[];
  wellKnownCACertificates?: string;
}

export interface RouteGraph {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  routes: Route[];
  referenceGrants: ReferenceGrant[];
  tlsMaterial: TlsMaterial[];
  backendTlsPolicies: BackendTlsPolicy[];
  /** "group/kind/namespace/name" of every object in the input, so that references to kinds Junction does not read can be resolved. */
  objectKeys: Set<string>;
}

/** A Gateway that stands for an IngressClass: its wildcard hostnames cover exactly one label, as Ingress hosts do. */
export function hasIngressSemantics(gw: Gateway): boolean {
  return gw.derivedFrom?.kind === "IngressClass";
}

export function emptyRouteGraph(): RouteGraph {
  return { gatewayClasses: [], gateways: [], routes: [], referenceGrants: [], tlsMaterial: [], backendTlsPolicies: [], objectKeys: new Set() };
}

export function objectKey(group: string, kind: string, namespace: string | undefined, name: string): string {
  return `${group}/${kind}/${namespace ?? ""}/${name}`;
}

/** Whether the input holds the object (namespaced or cluster-scoped). */
export function hasObject(graph: RouteGraph, group: string, kind: string, namespace: string | undefined, name: string): boolean {
  return graph.objectKeys.has(objectKey(group, kind, namespace, name)) || graph.objectKeys.has(objectKey(group, kind, undefined, name));
}
