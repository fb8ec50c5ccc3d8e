// Validators shared by every Kubernetes front end: metadata, names, labels, selectors, CIDRs, ports.
// They mirror the API server's own rules (apimachinery validation).

import { parseAddress, parseCidr, type Cidr } from "../model/ip.js";
import { isProtocol, MAX_PORT, type Protocol } from "../model/ports.js";
import { selector, type LabelSelector, type Labels, type Operator, type Requirement } from "../model/selector.js";
import type { Field, NumberRule, StringRule } from "./fields.js";
import { intern, runInterner, validLabels } from "./intern.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

export function dnsLabelError(s: string): string | undefined {
  if (s.length > 63) return `${JSON.stringify(s)} is longer than 63 characters`;
  if (!DNS1123_LABEL.test(s)) return `${JSON.stringify(s)} is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  return undefined;
}

export function dnsSubdomainError(s: string): string | undefined {
  if (s.length > 253) return `${JSON.stringify(s)} is longer than 253 characters`;
  if (!DNS1123_SUBDOMAIN.test(s)) return `${JSON.stringify(s)} is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`;
  return undefined;
}

export interface Meta {
  name: string;
  namespace?: string;
  labels: Labels;
  annotations: Labels;
}

const internNamespace = runInterner();

/** Reads metadata. Namespaced kinds get "default" when no namespace is given, as kubectl does. */
export function readMeta(root: Field, namespaced: boolean): Meta | undefined {
  const md = root.get("metadata");
  if (!md.object(true)) return undefined;
  const nameField = md.get("name");
  const name = nameField.string({ required: true, nonEmpty: true });
  if (name !== undefined) {
    const err = dnsSubdomainError(name);
    if (err) nameField.error("invalid-name", err);
  }
  let namespace: string | undefined;
  if (namespaced) {
    const nsField = md.get("namespace");
    namespace = internNamespace(nsField.string() ?? "default");
    const err = dnsLabelError(namespace);
    if (err) nsField.error("invalid-namespace", err);
  }
  const labels = readLabels(md.get("labels"));
  const annotations = readStringMap(md.get("annotations"));
  return name === undefined ? undefined : { name, namespace, labels, annotations };
}

export function readStringMap(f: Field): Record<string, string> {
  const o = f.object();
  const out: Record<string, string> = {};
  if (!o) return out;
  // (Own keys in Object.entries' order, without its pair arrays: a dump has several maps per pod.)
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === "string") out[k] = v;
    else if (v !== null && v !== undefined) f.get(k).error("type", `must be a string, not ${typeof v}`);
  }
  return out;
}

export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix === "" || dnsSubdomainError(prefix))) return `label key ${JSON.stringify(key)} has an invalid prefix (must be a DNS subdomain)`;
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `label key ${JSON.stringify(key)} is invalid (name part: at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

export function labelValueError(value: string): string | undefined {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `label value ${JSON.stringify(value)} is invalid (at most 63 characters, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`;
  }
  return undefined;
}

export function readLabels(f: Field): Labels {
  const labels = readStringMap(f);
  const valid = validLabels();
  for (const k of Object.keys(labels)) {
    const v = labels[k];
    const last = valid?.get(k);
    if (last === v) { labels[k] = last; continue; }
    labels[k] = intern(v);
    const err = labelKeyError(k) ?? labelValueError(v);
    if (err) f.get(k).error("invalid-label", err);
    else valid?.set(k, labels[k]);
  }
  return labels;
}

const OPERATORS: readonly Operator[] = ["In", "NotIn", "Exists", "DoesNotExist"];

/** A metav1.LabelSelector. Missing or null reads as the empty selector (selects everything). */
export function readSelector(f: Field): LabelSelector {
  if (!f.object()) return selector();
  const matchLabels = readLabels(f.get("matchLabels"));
  const reqs: Requirement[] = [];
  for (const e of f.get("matchExpressions").list() ?? []) {
    if (!e.object(true)) continue;
    const keyField = e.get("key");
    const key = keyField.string({ required: true });
    const operator = e.get("operator").string({ required: true, oneOf: OPERATORS }) as Operator | undefined;
    const valuesField = e.get("values");
    const values = (valuesField.list() ?? []).map((v) => v.string()).filter((v): v is string => v !== undefined);
    if (key !== undefined) { const err = labelKeyError(key); if (err) keyField.error("invalid-label", err); }
    for (const [i, v] of values.entries()) { const err = labelValueError(v); if (err) valuesField.get(i).error("invalid-label", err); }
    if (operator === "In" || operator === "NotIn") {
      if (values.length === 0) valuesField.error("required", `must be non-empty when operator is ${operator}`);
    } else if (operator && values.length > 0) {
      valuesField.error("forbidden", `must be empty when operator is ${operator}`);
    }
    if (key !== undefined && operator !== undefined) reqs.push({ key, operator, values });
  }
  return selector(matchLabels, reqs);
}

/** A CIDR in canonical or host-bits form; host bits are cleared, as upstream implementations do. */
export function readCidr(f: Field): Cidr | undefined {
  const s = f.string({ required: true });
  if (s === undefined) return undefined;
  const c = parseCidr(s);
  if (!c) return f.error("invalid-cidr", `${JSON.stringify(s)} is not a valid CIDR`);
  return c;
}

export function readProtocol(f: Field, fallback: Protocol = "TCP"): Protocol {
  if (!f.present) return fallback;
  const p = f.string(PROTOCOL_RULE);
  return isProtocol(p) ? p : fallback;
}

// (Rules made once: a literal is a new object per call, and every port of a dump is read through them.)
const PROTOCOL_RULE: StringRule = { oneOf: ["TCP", "UDP", "SCTP"] };
const PORT_RULES: Record<"required" | "optional", NumberRule> = { required: { required: true, min: 1, max: MAX_PORT }, optional: { required: false, min: 1, max: MAX_PORT } };

export function readPortNumber(f: Field, required = true): number | undefined {
  return f.int(PORT_RULES[required ? "required" : "optional"]);
}

/** An int-or-string port: a number 1-65535, or an IANA service name (as the API server checks). */
export function readPortOrName(f: Field): number | string | undefined {
  if (typeof f.value === "string") {
    const s = f.value;
    if (/^\d+$/.test(s)) return f.error("invalid-port", `${JSON.stringify(s)}: a port number must not be quoted, or a port name must contain a letter`);
    if (s.length > 15 || !IANA_SVC_NAME.test(s) || s.includes("--") || !/[a-z]/.test(s)) {
      return f.error("invalid-port", `${JSON.stringify(s)} is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)`);
    }
    return s;
  }
  return readPortNumber(f);
}

const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A Service name: a DNS-1035 label (it must start with a letter). */
export function dns1035LabelError(s: string): string | undefined {
  if (s.length > 63) return `${JSON.stringify(s)} is longer than 63 characters`;
  if (!DNS1035_LABEL.test(s)) return `${JSON.stringify(s)} is not a valid DNS-1035 label (lowercase letters, digits and '-', starting with a letter and ending with a letter or digit)`;
  return undefined;
}

/** A host name as Ingress and Route write it: a DNS subdomain, or "*." followed by one; never an IP address. */
export function hostError(s: string): string | undefined {
  if (parseAddress(s)) return `${JSON.stringify(s)} must be a DNS name, not an IP address`;
  if (!s.includes("*")) return dnsSubdomainError(s);
  if (!s.startsWith("*.") || s.indexOf("*", 1) >= 0) return `${JSON.stringify(s)}: a wildcard host must start with "*." and have no other "*"`;
  const err = dnsSubdomainError(s.slice(2));
  return err && `wildcard host ${JSON.stringify(s)}: ${err}`;
}
