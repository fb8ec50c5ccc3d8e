// Built-in API versions that current Kubernetes releases no longer serve, and how Junction reads
// them. The API server of a current release refuses them ("no matches for kind "Deployment" in
// version "extensions/v1beta1""), so a manifest written with one is an error (--lenient: a
// warning); an object that an older server stored (it carries metadata.uid, resourceVersion or
// status: a dump of an old cluster) gets a warning. Either way the object is read as its
// replacement version would hold it, as the API server converted it: first the old version's own
// defaults (SetDefaults_* in pkg/apis/<group>/<version>/defaults.go), then the conversion to the
// current version (fields renamed, fields the current version dropped left out), then the current
// version's schema and front end. Its identity is the replacement's (lowering.ts identityGroup): the
// same Deployment under extensions/v1beta1 and apps/v1 is one object, as the API server stored it.

import type { RawObject } from "./documents.js";
import { isObject } from "./schema/structural.js";

interface Removed {
  /** The Kubernetes release that stopped serving it. */
  removedIn: string;
  replacement: string;
  /** The old version's defaults and the conversion to the replacement, on a copy of the object. */
  convert?: (obj: Record<string, unknown>) => void;
  /** What changes beyond the apiVersion, for the message. */
  rewrite?: string;
}

/** extensions/v1beta1 and apps/v1beta1 defaulted a workload's selector and labels from its template's labels (SetDefaults_Deployment & co.); apps/v1beta2 and apps/v1 require the selector. */
function templateSelector(obj: Record<string, unknown>): void {
  const spec = asObject(obj.spec);
  const labels = asObject(asObject(asObject(spec?.template)?.metadata)?.labels);
  if (!spec || !labels) return;
  if (spec.selector === undefined || spec.selector === null) spec.selector = { matchLabels: { ...labels } };
  const md = asObject(obj.metadata);
  if (md && (md.labels === undefined || md.labels === null || (asObject(md.labels) && Object.keys(md.labels as object).length === 0))) md.labels = { ...labels };
}

/** Fields of the old Deployment and DaemonSet types that apps/v1 dropped (the conversion loses them). */
function dropping(...paths: string[][]): (obj: Record<string, unknown>) => void {
  return (obj) => {
    for (const path of paths) {
      const parent = path.slice(0, -1).reduce<Record<string, unknown> | undefined>((o, k) => asObject(o?.[k]), obj);
      if (parent) delete parent[path[path.length - 1]];
    }
  };
}

const both = (...fs: ((obj: Record<string, unknown>) => void)[]) => (obj: Record<string, unknown>) => { for (const f of fs) f(obj); };

/**
 * An Ingress of extensions/v1beta1 or networking.k8s.io/v1beta1 as networking.k8s.io/v1 holds it
 * (pkg/apis/networking/v1beta1 and extensions/v1beta1 conversion.go: Convert_v1beta1_IngressBackend_To_networking_IngressBackend;
 * SetDefaults_HTTPIngressPath: an unset pathType is ImplementationSpecific): spec.backend is
 * spec.defaultBackend, a backend's serviceName/servicePort are service.name and service.port.number
 * (an integer) or .name (a string).
 */
function ingressV1(obj: Record<string, unknown>): void {
  const spec = asObject(obj.spec);
  if (!spec) return;
  if ("backend" in spec) {
    if (!("defaultBackend" in spec)) spec.defaultBackend = spec.backend;
    delete spec.backend;
  }
  backendV1(spec.defaultBackend);
  for (const rule of asList(spec.rules)) {
    for (const path of asList(asObject(asObject(rule)?.http)?.paths)) {
      const p = asObject(path);
      if (!p) continue;
      if (p.pathType === undefined || p.pathType === null) p.pathType = "ImplementationSpecific";
      backendV1(p.backend);
    }
  }
}

function backendV1(b0: unknown): void {
  const b = asObject(b0);
  if (!b || !("serviceName" in b || "servicePort" in b)) return;
  const port = b.servicePort;
  const service: Record<string, unknown> = {};
  if ("serviceName" in b) service.name = b.serviceName;
  if (port !== undefined && port !== null) service.port = typeof port === "string" ? { name: port } : { number: port };
  delete b.serviceName;
  delete b.servicePort;
  b.service = service;
}

/**
 * A discovery.k8s.io/v1beta1 EndpointSlice as v1 holds it (pkg/apis/discovery/v1beta1
 * Convert_v1beta1_Endpoint_To_discovery_Endpoint): an endpoint's topology map is its
 * deprecatedTopology, less the zone label (its zone) and the hostname label when it equals nodeName.
 */
function endpointSliceV1(obj: Record<string, unknown>): void {
  for (const e of asList(obj.endpoints)) {
    const ep = asObject(e);
    const topology = asObject(ep?.topology);
    if (!ep || !("topology" in ep)) continue;
    delete ep.topology;
    if (!topology) continue;
    const rest: Record<string, unknown> = { ...topology };
    const zone = rest["topology.kubernetes.io/zone"];
    if (zone !== undefined) { ep.zone = zone; delete rest["topology.kubernetes.io/zone"]; }
    if (rest["kubernetes.io/hostname"] !== undefined && rest["kubernetes.io/hostname"] === ep.nodeName) delete rest["kubernetes.io/hostname"];
    if (Object.keys(rest).length) ep.deprecatedTopology = rest;
  }
}

const SELECTOR = "spec.selector defaults to the template's labels";
const INGRESS = "backend is defaultBackend, serviceName/servicePort are service.name/port, pathType defaults to ImplementationSpecific";

/** By apiVersion, then kind. */
const REMOVED: Record<string, Record<string, Removed>> = {
  "extensions/v1beta1": {
    Deployment: { removedIn: "1.16", replacement: "apps/v1", convert: both(templateSelector, dropping(["spec", "rollbackTo"])), rewrite: SELECTOR },
    DaemonSet: { removedIn: "1.16", replacement: "apps/v1", convert: both(templateSelector, dropping(["spec", "templateGeneration"])), rewrite: SELECTOR },
    ReplicaSet: { removedIn: "1.16", replacement: "apps/v1", convert: templateSelector, rewrite: SELECTOR },
    NetworkPolicy: { removedIn: "1.16", replacement: "networking.k8s.io/v1" },
    Ingress: { removedIn: "1.22", replacement: "networking.k8s.io/v1", convert: ingressV1, rewrite: INGRESS },
  },
  "apps/v1beta1": {
    Deployment: { removedIn: "1.16", replacement: "apps/v1", convert: both(templateSelector, dropping(["spec", "rollbackTo"])), rewrite: SELECTOR },
    StatefulSet: { removedIn: "1.16", replacement: "apps/v1", convert: templateSelector, rewrite: SELECTOR },
  },
  "apps/v1beta2": {
    Deployment: { removedIn: "1.16", replacement: "apps/v1" },
    StatefulSet: { removedIn: "1.16", replacement: "apps/v1" },
    DaemonSet: { removedIn: "1.16", replacement: "apps/v1" },
    ReplicaSet: { removedIn: "1.16", replacement: "apps/v1" },
  },
  "batch/v1beta1": {
    CronJob: { removedIn: "1.25", replacement: "batch/v1" },
  },
  "networking.k8s.io/v1beta1": {
    Ingress: { removedIn: "1.22", replacement: "networking.k8s.io/v1", convert: ingressV1, rewrite: INGRESS },
    IngressClass: { removedIn: "1.22", replacement: "networking.k8s.io/v1" },
  },
  "discovery.k8s.io/v1beta1": {
    EndpointSlice: { removedIn: "1.25", replacement: "discovery.k8s.io/v1", convert: endpointSliceV1, rewrite: "each endpoint's topology as its zone and deprecatedTopology" },
  },
};

/** The removed version an object is written in, if it is one. */
export function removedVersion(apiVersion: string, kind: string): Removed | undefined {
  const kinds = REMOVED[apiVersion];
  return kinds && Object.prototype.hasOwnProperty.call(kinds, kind) ? kinds[kind] : undefined;
}

/** The apiVersion an object's identity takes: its replacement's when it is written in a removed version. */
export function currentApiVersion(apiVersion: string, kind: string): string {
  return removedVersion(apiVersion, kind)?.replacement ?? apiVersion;
}

/**
 * The object as the current version holds it (a converted copy; `raw` itself when its version is
 * served), and what to report about its version (undefined when served).
 */
export function toCurrentVersion(raw: RawObject, storedByServer: boolean): { raw: RawObject; message?: string; severity?: "error" | "warning" } {
  const r = removedVersion(raw.apiVersion, raw.kind);
  if (!r) return { raw };
  const obj = structuredClone(raw.obj);
  obj.apiVersion = r.replacement;
  r.convert?.(obj);
  const converted: RawObject = { ...raw, apiVersion: r.replacement, obj };
  const what = `${raw.kind} ${raw.apiVersion} was removed in Kubernetes ${r.removedIn}`;
  const as = `${r.replacement}${r.rewrite ? ` (${r.rewrite})` : ""}`;
  return storedByServer
    ? { raw: converted, severity: "warning", message: `${what}; an older API server stored this object: read as ${as}` }
    : { raw: converted, severity: "error", message: `${what}: a current API server refuses it (no matches for kind ${JSON.stringify(raw.kind)} in version ${JSON.stringify(raw.apiVersion)}); write ${as} (--lenient reads it so)` };
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return isObject(v) ? v : undefined;
}

function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
