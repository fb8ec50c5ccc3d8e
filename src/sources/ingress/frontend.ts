// Front end for Ingress and IngressClass (networking.k8s.io/v1): validated as the API server does
// (pkg/apis/networking/validation), with the class and ingress-nginx annotations read.

import { DEFAULT_CLASS_ANNOTATION, INGRESS_CLASS_ANNOTATION, type IngressBackend, type IngressPath, type IngressPathType, type IngressRule, type IngressTls } from "../../model/ingress.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { dnsLabelError, dnsSubdomainError, hostError, readCreated, readMeta, readPortNumber, readPortOrName } from "../k8s.js";
import { readNginxAnnotations } from "./nginx-annotations.js";

const PATH_TYPES: readonly IngressPathType[] = ["Exact", "Prefix", "ImplementationSpecific"];
const INVALID_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const INVALID_SUFFIXES = ["/..", "/."];
const PATH_SEGMENT = /^[^/%]+$/;

const ingressFrontEnd: FrontEnd = {
  kind: "Ingress", apiVersions: ["networking.k8s.io/v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    // spec is `+optional` (Ingress.Spec): absent, the API server validates the zero IngressSpec and
    // refuses it for what spec: {} lacks ("either defaultBackend or rules must be specified").
    const spec = root.get("spec");
    if (spec.present && !spec.object()) return;
    const className = readClassName(root, meta?.annotations ?? {});
    const defaultBackend = spec.get("defaultBackend").present ? readBackend(spec.get("defaultBackend")) : undefined;
    const rules = (spec.get("rules").list() ?? []).map(readRule).filter((r): r is IngressRule => r !== undefined);
    if (!spec.get("defaultBackend").present && !(spec.get("rules").list() ?? []).length) {
      spec.error("required", "either defaultBackend or rules must be specified");
    }
    const tls = (spec.get("tls").list() ?? []).map(readTls);
    const annotations = meta?.annotations ?? {};
    const nginx = readNginxAnnotations(annotations, root.get("metadata").get("annotations"), { namespace: meta?.namespace ?? "", name: meta?.name ?? "" });
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    const classField = typeof spec.raw("ingressClassName") === "string" ? { classField: true as const } : {};
    const created = readCreated(root);
    b.inv.ingress.ingresses.push({ namespace: meta.namespace!, name: meta.name, className, ...classField, annotations, nginx, defaultBackend, rules, tls, ...(created !== undefined ? { created } : {}), src: ctx.ref });
  },
};

/** spec.ingressClassName, else the legacy annotation; when both are set they must agree. */
function readClassName(root: Field, annotations: Readonly<Record<string, string>>): string | undefined {
  const f = root.get("spec").get("ingressClassName");
  const field = f.string();
  if (field !== undefined) {
    const err = dnsSubdomainError(field);
    if (err) f.error("invalid-name", err);
  }
  const annotation = annotations[INGRESS_CLASS_ANNOTATION];
  if (field !== undefined && annotation !== undefined && annotation !== field) {
    root.get("metadata").get("annotations").get(INGRESS_CLASS_ANNOTATION)
      .error("class-conflict", `${JSON.stringify(annotation)} must match spec.ingressClassName ${JSON.stringify(field)} when both are set`);
  }
  return field ?? annotation;
}

function readRule(f: Field): IngressRule | undefined {
  if (!f.object(true)) return undefined;
  const hostField = f.get("host");
  let host = hostField.string();
  if (host === "") host = undefined;
  if (host !== undefined) {
    const err = hostError(host);
    if (err) hostField.error("invalid-host", err);
  }
  const http = f.get("http");
  if (!http.present) return { host, paths: [] };
  http.object();
  const paths = (http.get("paths").list({ required: true, min: 1 }) ?? []).map(readPath).filter((p): p is IngressPath => p !== undefined);
  return { host, paths };
}

function readPath(f: Field): IngressPath | undefined {
  if (!f.object(true)) return undefined;
  const typeField = f.get("pathType");
  const pathType = typeField.string({ required: true, oneOf: PATH_TYPES }) as IngressPathType | undefined;
  const pathField = f.get("path");
  const path = pathField.string() ?? "";
  const problem = pathType && pathError(path, pathType);
  if (problem) pathField.error("invalid-path", problem);
  const backend = readBackend(f.get("backend"), true);
  if (!pathType || problem || !backend) return undefined;
  return { path: path === "" ? "/" : path, pathType, backend, field: f.path };
}

/** The API server's path rules: Exact and Prefix need a clean absolute path; ImplementationSpecific only a leading "/". */
export function pathError(path: string, type: IngressPathType): string | undefined {
  if (type === "ImplementationSpecific") return path === "" || path.startsWith("/") ? undefined : `${JSON.stringify(path)} must be an absolute path`;
  if (!path.startsWith("/")) return `${JSON.stringify(path)} must be an absolute path (pathType ${type})`;
  const seq = INVALID_SEQUENCES.find((s) => path.includes(s));
  if (seq) return `${JSON.stringify(path)} must not contain ${JSON.stringify(seq)} (pathType ${type})`;
  const suffix = INVALID_SUFFIXES.find((s) => path.endsWith(s));
  if (suffix) return `${JSON.stringify(path)} must not end with ${JSON.stringify(suffix)} (pathType ${type})`;
  return undefined;
}

/** An IngressBackend: exactly one of service (name + port number or name) and resource. */
function readBackend(f: Field, required = false): IngressBackend | undefined {
  if (!f.object(required)) return undefined;
  const which = f.oneOf(["service", "resource"]);
  if (which === "resource") return readResource(f.get("resource"));
  if (which !== "service") return undefined;
  const svc = f.get("service");
  if (!svc.object(true)) return undefined;
  const nameField = svc.get("name");
  const name = nameField.string({ required: true, nonEmpty: true });
  // ValidateIngressBackend: a DNS-1123 label under RelaxedServiceNameValidation (KEP-5311: beta, on,
  // in 1.36, for the Service and the Ingress's reference alike; a DNS-1035 label before): a leading
  // digit is a valid Service name now (core.ts), so a reference to one is too.
  const nameErr = name !== undefined ? dnsLabelError(name) : undefined;
  if (nameErr) nameField.error("invalid-name", nameErr);
  const portField = svc.get("port");
  if (!portField.object(true)) return undefined;
  const key = portField.oneOf(["number", "name"]);
  const port = key === "number" ? readPortNumber(portField.get("number")) : key === "name" ? readPortName(portField.get("name")) : undefined;
  return name !== undefined && !nameErr && port !== undefined ? { kind: "service", name, port } : undefined;
}

function readPortName(f: Field): string | undefined {
  if (typeof f.value !== "string") return f.string({ required: true });
  const v = readPortOrName(f);
  return typeof v === "string" ? v : undefined;
}

function readResource(f: Field): IngressBackend | undefined {
  if (!f.object(true)) return undefined;
  const groupField = f.get("apiGroup");
  const group = groupField.string() ?? "";
  if (group !== "") { const err = dnsSubdomainError(group); if (err) groupField.error("invalid-group", err); }
  const segment = (name: string) => {
    const field = f.get(name);
    const v = field.string({ required: true, nonEmpty: true });
    if (v !== undefined && (!PATH_SEGMENT.test(v) || v === "." || v === "..")) return field.error("invalid-name", `${JSON.stringify(v)} may not contain "/" or "%" and may not be "." or ".."`);
    return v;
  };
  const resourceKind = segment("kind"), name = segment("name");
  return resourceKind && name ? { kind: "resource", group, resourceKind, name } : undefined;
}

function readTls(f: Field): IngressTls {
  f.object();
  const hosts: string[] = [];
  for (const h of f.get("hosts").list() ?? []) {
    const host = h.string({ required: true });
    if (host === undefined) continue;
    const err = hostError(host);
    if (err) h.error("invalid-host", err);
    else hosts.push(host);
  }
  const secretField = f.get("secretName");
  const secretName = secretField.string() || undefined;
  if (secretName) { const err = dnsSubdomainError(secretName); if (err) secretField.error("invalid-name", err); }
  return { hosts, secretName };
}

const CONTROLLER = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[-A-Za-z0-9_./~]+$/;

const ingressClassFrontEnd: FrontEnd = {
  kind: "IngressClass", apiVersions: ["networking.k8s.io/v1"], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    spec.object();
    const cf = spec.get("controller");
    const controller = cf.string({ required: true, nonEmpty: true });
    if (controller !== undefined && (controller.length > 250 || !CONTROLLER.test(controller))) {
      cf.error("invalid-controller", `${JSON.stringify(controller)} must be a domain-prefixed path such as "k8s.io/ingress-nginx" (at most 250 characters)`);
    }
    if (!meta || controller === undefined) return;
    const mark = meta.annotations[DEFAULT_CLASS_ANNOTATION];
    b.inv.ingress.classes.push({ name: meta.name, controller, isDefault: mark === "true", src: ctx.ref });
  },
};

export const ingressFrontEnds: FrontEnd[] = [ingressFrontEnd, ingressClassFrontEnd];
