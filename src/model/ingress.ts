// Ingress (networking.k8s.io/v1), IngressClass and OpenShift Route as the front ends read them:
// validated, with defaults spelled out and ingress-nginx annotations lowered into typed values.

import { NGINX_PREFIX, type NginxAnnotations } from "./nginx.js";
import type { Path, SourceRef } from "./source.js";

export type IngressPathType = "Exact" | "Prefix" | "ImplementationSpecific";

/** An Ingress backend: a Service port (number or name) or a typed object reference. */
export type IngressBackend =
  | { kind: "service"; name: string; port: number | string }
  | { kind: "resource"; group: string; resourceKind: string; name: string };

export interface IngressPath {
  path: string;
  pathType: IngressPathType;
  backend: IngressBackend;
  /** Where the path is written, e.g. ["spec", "rules", 0, "http", "paths", 1]. */
  field: Path;
}

export interface IngressRule {
  /** undefined: every host. May be a wildcard "*.example.com" (exactly one label). */
  host?: string;
  paths: IngressPath[];
}

export interface IngressTls {
  /** Empty: the entry applies to every host of the Ingress's rules. */
  hosts: string[];
  secretName?: string;
}

export interface Ingress {
  namespace: string;
  name: string;
  /** spec.ingressClassName, else the kubernetes.io/ingress.class annotation; undefined: class-less. */
  className?: string;
  /** className is spec.ingressClassName's (else the annotation's): ingress-nginx picks the controller by the IngressClass, not by --ingress-class (model/nginx-controller.ts). */
  classField?: true;
  annotations: Readonly<Record<string, string>>;
  /** The ingress-nginx annotations, read. */
  nginx: NginxAnnotations;
  defaultBackend?: IngressBackend;
  rules: IngressRule[];
  tls: IngressTls[];
  /** metadata.creationTimestamp, ms since the epoch (undefined: not given, Go's zero time). */
  created?: number;
  src?: SourceRef;
}

/**
 * The order ingress-nginx reads the Ingresses in, which decides every "first Ingress" of the controller (the location two
 * Ingresses give one host and path: "Location %q already configured", the host's aliases, its auth-tls, the upstream of a
 * Service port): store.go sortIngressSlice, by creationTimestamp (a manifest without one: Go's zero time), and on equal
 * timestamps by "namespace/name" descending (`return in > jn`).
 */
export function nginxIngressOrder(a: Ingress, b: Ingress): number {
  const [x, y] = [a.created ?? 0, b.created ?? 0];
  if (x !== y) return x - y;
  const [m, n] = [`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`];
  return m > n ? -1 : m < n ? 1 : 0;
}

export interface IngressClass {
  name: string;
  /** spec.controller, e.g. "k8s.io/ingress-nginx". */
  controller: string;
  /** The ingressclass.kubernetes.io/is-default-class annotation is "true". */
  isDefault: boolean;
  src?: SourceRef;
}

export interface RouteBackend {
  name: string;
  weight: number;
}

/** An OpenShift Route (route.openshift.io/v1): one host and path to weighted Services. */
export interface OpenShiftRoute {
  namespace: string;
  name: string;
  host?: string;
  path?: string;
  /** spec.to first, then spec.alternateBackends (Service kinds only). */
  backends: RouteBackend[];
  /** spec.port.targetPort: a Service port name or number, or a target port; undefined: every Service port. */
  targetPort?: number | string;
  /** spec.tls.termination (edge, passthrough, reencrypt); undefined: plain HTTP. */
  termination?: string;
  src?: SourceRef;
}

export const INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class";
export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";

/** Every backend an Ingress names, with where it is written: rule paths first, then the default backend. */
export function ingressBackends(ing: Ingress): { backend: IngressBackend; field: Path }[] {
  const out = ing.rules.flatMap((r) => r.paths.map((p) => ({ backend: p.backend, field: [...p.field, "backend"] as Path })));
  if (ing.defaultBackend) out.push({ backend: ing.defaultBackend, field: ["spec", "defaultBackend"] });
  return out;
}

/** Whether a TLS entry covers a rule host: listed (a "*." entry covers one label), or the entry lists no hosts. */
export function tlsCovers(tls: IngressTls, host: string | undefined): boolean {
  if (tls.hosts.length === 0) return true;
  if (host === undefined) return false;
  return tls.hosts.some((h) => h === host || (h.startsWith("*.") && host.endsWith(h.slice(1)) && !host.slice(0, -(h.length - 1)).includes(".")));
}

/** The class an Ingress belongs to: its own, else the single default IngressClass (as admission assigns it). */
export function effectiveClass(ing: Ingress, classes: readonly IngressClass[]): string | undefined {
  if (ing.className !== undefined) return ing.className;
  const defaults = classes.filter((c) => c.isDefault);
  return defaults.length === 1 ? defaults[0].name : undefined;
}

export const INGRESS_NGINX_CONTROLLER = "k8s.io/ingress-nginx";

/**
 * Whether ingress-nginx serves a class, so that its defaults (HTTP→HTTPS redirect on TLS hosts)
 * apply: its IngressClass names the ingress-nginx controller; or, without an IngressClass object,
 * the class is called "nginx" or "ingress-nginx", or one of its Ingresses has nginx annotations.
 * (Explicit nginx.ingress.kubernetes.io annotations are honoured in every class.)
 */
export function servedByIngressNginx(className: string, classes: readonly IngressClass[], members: readonly Ingress[]): boolean {
  const cls = classes.find((c) => c.name === className);
  if (cls) return cls.controller === INGRESS_NGINX_CONTROLLER;
  return className === "nginx" || className === "ingress-nginx" || members.some((i) => Object.keys(i.annotations).some((k) => k.startsWith(NGINX_PREFIX)));
}
