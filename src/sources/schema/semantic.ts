// The API server's validation rules that the OpenAPI schemas do not carry
// (k8s.io/kubernetes pkg/apis/*/validation), keyed by group/kind. They run after the schema, on
// objects whose fields have the right types (a field of the wrong type is skipped here).

import type { Diagnostics, Path } from "../../model/source.js";
import { parseAddress } from "../../model/ip.js";
import { matches } from "../../model/selector.js";
import type { RawObject } from "../documents.js";
import { Field, ObjectContext } from "../fields.js";
import { dnsLabelError, dnsSubdomainError, labelKeyError, labelValueError, readCidr, readLabels, readSelector } from "../k8s.js";
import { serverAccepted } from "./validate.js";

type Rule = (root: Field) => void;

/** apps/v1 ValidateDeploymentSpec & co.: a non-empty valid selector that selects the template's labels. */
const selectsTemplate: Rule = (root) => {
  const spec = root.get("spec");
  const sel = spec.get("selector");
  if (!sel.object()) return;
  const before = root.ctx.diags.items.length;
  const s = readSelector(sel);
  if (root.ctx.diags.items.length > before) return;
  if (s.requirements.length === 0) return sel.error("invalid-selector", "empty selector is invalid for this workload (the API server: \"empty selector is invalid for deployment\")") ?? undefined;
  const labels = spec.get("template").get("metadata").get("labels");
  if (!matches(s, readLabels(labels))) labels.error("selector-mismatch", "`selector` does not match template `labels` (the API server refuses the workload)");
};

/** core/v1 ValidateReplicationControllerSpec: a selector, when given, selects the template's labels. */
const rcSelectsTemplate: Rule = (root) => {
  const spec = root.get("spec");
  const sel = spec.get("selector");
  if (!sel.object() || Object.keys(sel.value as object).length === 0) return;
  const want = readLabels(sel);
  const labels = spec.get("template").get("metadata").get("labels");
  const have = readLabels(labels);
  if (Object.entries(want).some(([k, v]) => have[k] !== v)) labels.error("selector-mismatch", "selector does not match template labels (the API server refuses the ReplicationController)");
};

/**
 * batch/v1 Jobs' selectors (pkg/apis/batch/validation ValidateJob, ValidateGeneratedSelector,
 * ValidateJobSpec; pkg/registry/batch/job strategy.go generateSelector). With `manualSelector:
 * true` the selector is required, not empty, and selects the template's labels. Without it the
 * API server adds `batch.kubernetes.io/controller-uid: UID` to the selector and the controller-uid
 * and job-name labels to the template, and then refuses a selector that does not select those
 * generated labels ("`selector` not auto-generated"): a manifest's own selector (a new Job gets a new
 * UID; a dump's carries `metadata.uid`) is refused unless it selects them. Read otherwise, a Job the
 * API server refused was a workload whose pods policies select.
 */
const jobSelector: Rule = (root) => {
  const spec = root.get("spec"), sel = spec.get("selector");
  const manual = spec.raw("manualSelector") === true;
  const labels = spec.get("template").get("metadata").get("labels");
  if (!sel.present) {
    if (manual) sel.error("required", "Required value: a Job with manualSelector: true has a selector (the API server refuses it)");
    return;
  }
  if (!sel.object()) return;
  const before = root.ctx.diags.items.length;
  const s = readSelector(sel);
  if (root.ctx.diags.items.length > before) return;
  const template = readLabels(labels);
  if (manual) {
    if (s.requirements.length === 0 || !matches(s, template)) labels.error("selector-mismatch", "`selector` does not match template `labels` (the API server refuses the Job)");
    return;
  }
  const md = root.get("metadata");
  // (A Job without metadata.uid gets a new one, which no requirement written in the manifest can name.)
  const uid = typeof md.raw("uid") === "string" && md.raw("uid") !== "" ? (md.raw("uid") as string) : "\u0000a new UID";
  const name = typeof md.raw("name") === "string" ? (md.raw("name") as string) : "";
  const generated = { "controller-uid": uid, "batch.kubernetes.io/controller-uid": uid, "job-name": name, "batch.kubernetes.io/job-name": name };
  if (!matches(s, generated) || !matches(s, { ...template, ...generated })) sel.error("selector-mismatch", "Invalid value: `selector` not auto-generated: without manualSelector: true the API server generates the selector (batch.kubernetes.io/controller-uid) and refuses one that does not select its generated labels; remove the selector, or set manualSelector: true");
};

/**
 * batch/v1 ValidateJobTemplateSpec (a CronJob's job template): its selector is always generated, so
 * a `selector` ("`selector` will be auto-generated") and `manualSelector: true` are refused.
 */
const cronJobSelector: Rule = (root) => {
  const spec = root.get("spec").get("jobTemplate").get("spec");
  if (!spec.present) return;
  if (spec.get("selector").present) spec.get("selector").error("invalid", "Invalid value: `selector` will be auto-generated (the API server refuses a CronJob's job template with a selector)");
  if (spec.raw("manualSelector") === true) spec.get("manualSelector").error("unsupported", "Unsupported value: true: supported values: \"nil\", \"false\" (the API server refuses it in a CronJob's job template)");
};

/**
 * apps/v1 ValidatePodTemplateSpecForReplicaSet & co. and core's for a ReplicationController: a
 * template's restartPolicy is Always (SetDefaults_PodSpec makes an empty one Always); batch/v1
 * validateJobSpec (a CronJob's job template too): OnFailure or Never. The API server refuses the
 * controller otherwise, so none of its pods exists.
 */
const templateRestart = (at: readonly string[], allowed: readonly string[]): Rule => (root) => {
  const spec = fieldAt(root, at);
  if (!spec.object()) return;
  const given = spec.raw("restartPolicy");
  const policy = typeof given === "string" && given !== "" ? given : "Always";
  if (allowed.includes(policy)) return;
  const supported = allowed.map((a) => JSON.stringify(a)).join(", ");
  (given === undefined || given === null || given === "" ? spec : spec.get("restartPolicy")).error("unsupported", `Unsupported value: "${policy}"${given === undefined || given === null || given === "" ? " (the default)" : ""}: supported values: ${supported} (the API server refuses the ${root.ctx.kind})`);
};

const TEMPLATE = ["spec", "template", "spec"], JOB_TEMPLATE = ["spec", "jobTemplate", "spec", "template", "spec"];
const ALWAYS = ["Always"], JOB_POLICIES = ["OnFailure", "Never"];

const METADATA = ["metadata"];

/** The value at `at` in `obj`, if there is one. */
function valueAt(obj: unknown, at: readonly string[]): unknown {
  for (const k of at) obj = obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>)[k] : undefined;
  return obj;
}

/** The field at `at` under `root`. */
function fieldAt(root: Field, at: readonly string[]): Field {
  let f = root;
  for (const k of at) f = f.get(k);
  return f;
}

/** core/v1 ValidateService: ports unless headless or ExternalName; several ports are named, names are unique, port/protocol pairs are unique. */
const servicePorts: Rule = (root) => {
  const spec = root.get("spec"), ports = spec.get("ports");
  const list = Array.isArray(ports.value) ? ports.list() ?? [] : [];
  // (A headless Service, clusterIP None, and an ExternalName one may have none.)
  if (!list.length && spec.raw("clusterIP") !== "None" && spec.raw("type") !== "ExternalName") spec.error("required", "ports: Required value (a Service that is neither headless, clusterIP None, nor ExternalName has ports; the API server refuses it)");
  const names = new Set<string>(), pairs = new Set<string>();
  for (const p of list) {
    if (!p.object()) continue;
    const name = typeof p.get("name").value === "string" ? (p.get("name").value as string) : "";
    if (list.length > 1 && name === "") p.get("name").error("required", "required when a Service has several ports (the API server: Required value)");
    else if (name !== "" && dnsLabelError(name)) p.get("name").error("invalid-name", `Invalid value: ${dnsLabelError(name)} (validateServicePort: a Service port's name is a DNS-1123 label; the API server refuses it)`);
    else if (name !== "" && names.has(name)) p.get("name").error("duplicate", `Duplicate value: ${JSON.stringify(name)}`);
    names.add(name);
    // (ValidateService: SetDefaults_Service makes an empty type ClusterIP first.)
    const type = spec.raw("type");
    if ((type === undefined || type === null || type === "ClusterIP" || type === "") && typeof p.raw("nodePort") === "number" && p.raw("nodePort") !== 0) p.get("nodePort").error("forbidden", "Forbidden: may not be used when `type` is 'ClusterIP' (the API server refuses it; kube-proxy opens no node port for a ClusterIP Service)");
    const pair = `${String(p.get("port").value)}/${typeof p.get("protocol").value === "string" ? p.get("protocol").value : "TCP"}`;
    if (pairs.has(pair)) p.error("duplicate", `Duplicate value: port ${pair} is listed twice`);
    pairs.add(pair);
  }
};

/**
 * core/v1 ValidateService for an ExternalName Service: `externalName` (a trailing dot allowed) is
 * required and a DNS-1123 subdomain ("spec.externalName: Required value").
 */
const serviceExternalName: Rule = (root) => {
  const spec = root.get("spec");
  if (spec.raw("type") !== "ExternalName") return;
  const v = spec.raw("externalName");
  const cname = typeof v === "string" ? (v.endsWith(".") ? v.slice(0, -1) : v) : "";
  if (cname === "") { spec.get("externalName").error("required", "Required value: an ExternalName Service names its external name (the API server refuses it)"); return; }
  const e = dnsSubdomainError(cname);
  if (e) spec.get("externalName").error("invalid", `Invalid value: ${e} (the API server refuses it)`);
};

/**
 * core/v1 Service cluster IPs as the API server creates them (pkg/registry/core/service strategy.go
 * NormalizeClusterIPs, then pkg/apis/core/validation ValidateService and
 * ValidateServiceClusterIPsRelatedFields): a `clusterIP` alone becomes `clusterIPs: [clusterIP]`, but
 * `clusterIPs` without `clusterIP` is refused ("must be empty when `clusterIP` is not specified"), as
 * is a first value other than `clusterIP`, `None` anywhere but alone, more than two values or two of
 * one family, `None` for a NodePort or LoadBalancer Service, any of them (or `ipFamilies`,
 * `ipFamilyPolicy`) on an ExternalName Service, and an `ipFamilies` entry the cluster IP at its index
 * is not of. Read otherwise, `clusterIPs: [None]` alone was a Service with a virtual IP (not
 * headless), and extra addresses were read as the Service's.
 */
const serviceClusterIPs: Rule = (root) => {
  const spec = root.get("spec"), type = spec.raw("type");
  const ip = spec.get("clusterIP"), ips = spec.get("clusterIPs");
  const single = typeof ip.value === "string" ? ip.value : "";
  const list = Array.isArray(ips.value) ? ips.list() ?? [] : [];
  if (type === "ExternalName") {
    const forbidden = (f: Field) => f.error("forbidden", "Forbidden: may not be set for ExternalName services (the API server refuses it)");
    if (single !== "") forbidden(ip);
    else if (list.length) forbidden(ips);
    for (const k of ["ipFamilies", "ipFamilyPolicy"]) {
      const v = spec.raw(k);
      if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) forbidden(spec.get(k));
    }
    return;
  }
  if (!standaloneFamilies(spec)) return;
  const noneFor = (f: Field) => f.error("invalid", `may not be set to 'None' for ${type} services (the API server refuses it)`);
  const headlessRefused = type === "NodePort" || type === "LoadBalancer";
  if (!list.length) {
    // (Normalized to clusterIPs: [clusterIP].)
    if (single === "None") { if (headlessRefused) noneFor(ip); }
    else if (single !== "" && !checkFamilies(spec, [single], [ip])) return;
    policyFits(spec, single === "" ? 0 : 1);
    return;
  }
  const values = list.map((f) => (typeof f.value === "string" ? f.value : undefined));
  if (single === "") { ips.error("invalid", "must be empty when `clusterIP` is not specified (the API server refuses it; give clusterIP as the first of them)"); return; }
  if (values[0] !== single) { list[0].error("invalid", `first value must match \`clusterIP\` (${JSON.stringify(single)}; the API server refuses it)`); return; }
  if (values.includes("None") && values.length > 1) { ips.error("invalid", "'None' must be the first and only value (the API server refuses it)"); return; }
  if (values.length > 2) { ips.error("invalid", "may only hold up to 2 values (the API server refuses it)"); return; }
  if (single === "None") { if (headlessRefused) noneFor(list[0]); else policyFits(spec, 1); return; }
  if (checkFamilies(spec, values, list)) policyFits(spec, values.length);
};

const IP_FAMILIES = ["IPv4", "IPv6"], IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"];

/**
 * ValidateServiceClusterIPsRelatedFields' checks of `ipFamilies` (each IPv4 or IPv6, none twice)
 * and `ipFamilyPolicy` (one of three) on their own; false when one fails (the API server stops there).
 */
function standaloneFamilies(spec: Field): boolean {
  let ok = true;
  const families = spec.raw("ipFamilies");
  if (Array.isArray(families)) {
    const seen = new Set<unknown>();
    families.forEach((v, i) => {
      if (typeof v !== "string") return; // (the schema's error)
      if (!IP_FAMILIES.includes(v)) { ok = false; spec.get("ipFamilies").get(i).error("unsupported", `Unsupported value: ${JSON.stringify(v)}: supported values: "IPv4", "IPv6" (the API server refuses it)`); }
      else if (seen.has(v)) { ok = false; spec.get("ipFamilies").get(i).error("duplicate", `Duplicate value: ${JSON.stringify(v)} (the API server refuses it)`); }
      seen.add(v);
    });
  }
  const policy = spec.raw("ipFamilyPolicy");
  if (typeof policy === "string" && !IP_FAMILY_POLICIES.includes(policy)) {
    ok = false;
    spec.get("ipFamilyPolicy").error("unsupported", `Unsupported value: ${JSON.stringify(policy)}: supported values: "PreferDualStack", "RequireDualStack", "SingleStack" (the API server refuses it)`);
  }
  return ok;
}

/**
 * On create, an unset `ipFamilyPolicy` is SingleStack (RequireDualStack for a headless Service
 * without a selector), and SingleStack with two cluster IPs or two families is refused
 * (pkg/registry/core/service/ipallocator's Allocators.initIPFamilyFields). Read otherwise, a
 * Service written with both families and no policy was dual-stack where the API server refuses it.
 */
function policyFits(spec: Field, clusterIPs: number): void {
  const given = spec.raw("ipFamilyPolicy");
  const headlessSelectorless = spec.raw("clusterIP") === "None" && !hasEntries(spec.raw("selector"));
  const policy = typeof given === "string" ? given : headlessSelectorless ? "RequireDualStack" : "SingleStack";
  if (policy !== "SingleStack") return;
  const families = Array.isArray(spec.raw("ipFamilies")) ? (spec.raw("ipFamilies") as unknown[]).length : 0;
  // (Named at the policy when it is written, else at the list that has two entries.)
  const at = (list: string) => (typeof given === "string" ? spec.get("ipFamilyPolicy") : spec.get(list));
  const policyIs = typeof given === "string" ? "must be" : "ipFamilyPolicy is not set, so SingleStack, and must be";
  if (clusterIPs === 2) at("clusterIPs").error("invalid", `${policyIs} 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified (the API server refuses it)`);
  if (families === 2) at("ipFamilies").error("invalid", `${policyIs} 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified (the API server refuses it)`);
}

const hasEntries = (v: unknown) => v !== null && typeof v === "object" && Object.keys(v as object).length > 0;

/**
 * At most one cluster IP per family, and each of the family `ipFamilies` gives at its index
 * (ValidateServiceClusterIPsRelatedFields; IsIPv6String: an IPv4-mapped address is IPv4).
 */
function checkFamilies(spec: Field, values: readonly (string | undefined)[], fields: readonly Field[]): boolean {
  const families = values.map((v) => (v === undefined ? undefined : parseAddress(v)?.family));
  if (families.length === 2 && families[0] !== undefined && families[0] === families[1]) { spec.get("clusterIPs").error("invalid", "may specify no more than one IP for each IP family (the API server refuses it)"); return false; }
  const declared = Array.isArray(spec.raw("ipFamilies")) ? spec.raw("ipFamilies") as unknown[] : [];
  let ok = true;
  families.forEach((f, i) => {
    const want = declared[i];
    if (f === undefined || (want !== "IPv4" && want !== "IPv6")) return;
    if ((want === "IPv4") !== (f === 4)) { ok = false; fields[i].error("invalid", `expected an ${want} value as indicated by \`ipFamilies[${i}]\` (the API server refuses it)`); }
  });
  return ok;
}

const SESSION_AFFINITIES = ["ClientIP", "None"];
const TRAFFIC_DISTRIBUTIONS = ["PreferClose", "PreferSameZone", "PreferSameNode"];
/** validateAffinityTimeout: maxClientIPServiceAffinitySeconds. */
const MAX_AFFINITY_SECONDS = 86400;

/**
 * core/v1 ValidateService's other fields (pkg/apis/core/validation validation.go ValidateService,
 * validateServicePort, validateLoadBalancerClassField, validateClientIPAffinityConfig), after
 * SetDefaults_Service (an empty sessionAffinity is None, whose sessionAffinityConfig is dropped):
 * `sessionAffinity` is ClientIP or None ("Unsupported value"), a ClientIP timeout is 1 to 86400
 * seconds; `allocateLoadBalancerNodePorts` and `loadBalancerClass` "may only be used when `type` is
 * 'LoadBalancer'", where a class is a qualified name; a port's `appProtocol` is a qualified name
 * (ValidateQualifiedName); a node port is used once per protocol ("Duplicate value"). The API server
 * refuses the Service otherwise, so it has no addresses to answer for.
 */
const serviceFields: Rule = (root) => {
  const spec = root.get("spec");
  if (!spec.object()) return;
  const type = spec.raw("type"), lb = type === "LoadBalancer";
  const affinity = spec.raw("sessionAffinity");
  if (typeof affinity === "string" && affinity !== "" && !SESSION_AFFINITIES.includes(affinity)) spec.get("sessionAffinity").error("unsupported", `Unsupported value: ${JSON.stringify(affinity)}: supported values: "ClientIP", "None" (the API server refuses the Service)`);
  if (affinity === "ClientIP") {
    const timeout = spec.get("sessionAffinityConfig").get("clientIP").get("timeoutSeconds");
    if (typeof timeout.value === "number" && (timeout.value <= 0 || timeout.value > MAX_AFFINITY_SECONDS)) timeout.error("invalid", `Invalid value: ${timeout.value}: must be greater than 0 and less than ${MAX_AFFINITY_SECONDS} (the API server refuses the Service)`);
  }
  for (const k of ["allocateLoadBalancerNodePorts", "loadBalancerClass"]) {
    const v = spec.raw(k);
    if (v === undefined || v === null) continue;
    if (!lb) spec.get(k).error("forbidden", "Forbidden: may only be used when `type` is 'LoadBalancer' (the API server refuses the Service)");
    else if (k === "loadBalancerClass" && typeof v === "string" && labelKeyError(v)) spec.get(k).error("invalid", `Invalid value: ${JSON.stringify(v)}: a load balancer class is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; the API server refuses the Service)`);
  }
  // validateServiceTrafficDistribution (1.36: PreferSameZone and PreferSameNode GA, PreferClose their older name).
  const distribution = spec.raw("trafficDistribution");
  if (typeof distribution === "string" && !TRAFFIC_DISTRIBUTIONS.includes(distribution)) spec.get("trafficDistribution").error("unsupported", `Unsupported value: ${JSON.stringify(distribution)}: supported values: "PreferClose", "PreferSameZone", "PreferSameNode" (the API server refuses the Service)`);
  const ports = Array.isArray(spec.raw("ports")) ? spec.get("ports").list() ?? [] : [];
  const nodePorts = new Set<string>();
  for (const p of ports) {
    if (!p.object()) continue;
    const app = p.raw("appProtocol");
    if (typeof app === "string" && labelKeyError(app)) p.get("appProtocol").error("invalid", `Invalid value: ${JSON.stringify(app)}: an appProtocol is a qualified name (a name such as http, or a domain-prefixed one such as example.com/proto: alphanumerics, '-', '_' or '.'; the API server refuses the Service)`);
    const node = p.raw("nodePort");
    if (typeof node !== "number" || node === 0) continue;
    const key = `${typeof p.raw("protocol") === "string" && p.raw("protocol") !== "" ? String(p.raw("protocol")) : "TCP"}/${node}`;
    if (nodePorts.has(key)) p.get("nodePort").error("duplicate", `Duplicate value: node port ${key} is used twice (the API server refuses the Service)`);
    nodePorts.add(key);
  }
};

/** A fully qualified domain name (apimachinery IsFullyQualifiedDomainName); why not, undefined if it is one. */
export function fqdnError(name: string): string | undefined {
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  const sub = dnsSubdomainError(n);
  if (sub) return sub;
  const labels = n.split(".");
  if (labels.length < 2) return `${JSON.stringify(n)} should be a domain with at least two segments separated by dots`;
  for (const l of labels) { const e = dnsLabelError(l); if (e) return e; }
  return undefined;
}

/**
 * discovery/v1 ValidateEndpointSlice (pkg/apis/discovery/validation validateEndpoints, validatePorts)
 * beyond what the front end (discovery.ts) checks of addresses: an FQDN slice's addresses are
 * fully qualified domain names (IsFullyQualifiedDomainName: a DNS subdomain of at least two
 * labels, a trailing dot allowed), an endpoint's `hostname` is a DNS-1123 label, its `nodeName` a
 * DNS-1123 subdomain, its `hints.forZones` at most 8 distinct label values and `hints.forNodes`
 * at most 8 distinct Node names (hintNames); at most 100 ports, a port's `name` a DNS-1123 label
 * used once in the slice (empty too), its `appProtocol` a qualified name. The API server refuses the
 * slice otherwise, so its endpoints never serve the Service.
 */
const endpointSliceFields: Rule = (root) => {
  const refuses = "(the API server refuses the EndpointSlice)";
  const fqdn = root.raw("addressType") === "FQDN";
  const endpoints = Array.isArray(root.raw("endpoints")) ? root.get("endpoints").list() ?? [] : [];
  for (const e of endpoints) {
    if (!e.object()) continue;
    if (fqdn && Array.isArray(e.raw("addresses"))) {
      for (const a of e.get("addresses").list() ?? []) {
        const err = typeof a.value === "string" ? fqdnError(a.value) : undefined;
        if (err) a.error("invalid", `Invalid value: ${err}: an FQDN EndpointSlice's address is a fully qualified domain name ${refuses}`);
      }
    }
    endpointNames(e, refuses, false);
    // (Not deprecatedTopology: the strategy's dropTopologyOnV1 drops it from a v1 write before validation.)
    // (validateHints returns at too many zones: the node hints are not checked then.)
    if (hintNames(e, "forZones", labelValueError, refuses)) hintNames(e, "forNodes", (n) => { const bad = dnsSubdomainError(n); return bad && `${bad}: a node hint names a Node (ValidateNodeName)`; }, refuses);
  }
  const ports = root.raw("ports");
  if (!Array.isArray(ports)) return;
  if (ports.length > 100) return root.get("ports").error("too-many", `Too many: ${ports.length}: must have at most 100 items ${refuses}`) ?? undefined;
  const names = new Set<string>();
  for (const p of root.get("ports").list() ?? []) {
    if (!p.object()) continue;
    const name = p.raw("name");
    // (A missing name is the empty one, SetDefaults_EndpointPort.)
    const n = name === undefined || name === null ? "" : name;
    if (typeof n !== "string") continue;
    if (!endpointPort(p, n, false, refuses) && names.has(n)) p.get("name").error("duplicate", `Duplicate value: ${JSON.stringify(n)}: port names must be unique in a slice ${refuses}`);
    names.add(n);
  }
};

/**
 * An endpoint's `hints.forZones` or `hints.forNodes` (validateHints): at most 8 (then nothing else of
 * the hints is checked: false), each name once, and valid: a zone's a label value, a node's a Node's name
 * (ValidateNodeName, a DNS-1123 subdomain: "" too). discovery/v1 types.go: "forNodes indicates the
 * node(s) this endpoint should be consumed by when using topology aware routing. May contain a
 * maximum of 8 entries." (Kubernetes 1.33, PreferSameNode.)
 */
function hintNames(e: Field, list: "forZones" | "forNodes", invalid: (name: string) => string | undefined, refuses: string): boolean {
  const hints = e.raw("hints");
  const items = hints !== null && typeof hints === "object" ? (hints as Record<string, unknown>)[list] : undefined;
  if (!Array.isArray(items)) return true;
  const at = e.get("hints").get(list);
  if (items.length > 8) { at.error("too-many", `Too many: ${items.length}: must have at most 8 items ${refuses}`); return false; }
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const name = item !== null && typeof item === "object" ? (item as Record<string, unknown>).name : undefined;
    if (typeof name !== "string") return;
    const bad = invalid(name);
    if (seen.has(name)) at.get(i).get("name").error("duplicate", `Duplicate value: ${JSON.stringify(name)} ${refuses}`);
    else if (bad) at.get(i).get("name").error("invalid", `Invalid value: ${bad} ${refuses}`);
    seen.add(name);
  });
  return true;
}

/**
 * An endpoint's (or Endpoints address's) `hostname`, a DNS-1123 label (an EndpointSlice's when set,
 * even empty; an Endpoints address's when not empty), and `nodeName`, a Node's name (ValidateNodeName:
 * a DNS-1123 subdomain).
 */
function endpointNames(e: Field, refuses: string, emptyHostnameOk: boolean): void {
  const host = e.raw("hostname");
  const hostErr = typeof host === "string" && (host !== "" || !emptyHostnameOk) ? dnsLabelError(host) : undefined;
  if (hostErr) e.get("hostname").error("invalid", `Invalid value: ${hostErr}: an endpoint's hostname is a DNS-1123 label ${refuses}`);
  const node = e.raw("nodeName");
  const nodeErr = typeof node === "string" ? dnsSubdomainError(node) : undefined;
  if (nodeErr) e.get("nodeName").error("invalid", `Invalid value: ${nodeErr}: an endpoint's nodeName is a Node's name (ValidateNodeName) ${refuses}`);
}

/**
 * An EndpointSlice's or Endpoints' port `p` named `name` (validatePorts, validateEndpointPort): a
 * name, when given (required among several ports of an Endpoints subset), is a DNS-1123 label; an
 * `appProtocol` a qualified name. Whether its name was reported.
 */
function endpointPort(p: Field, name: string, required: boolean, refuses: string): boolean {
  const err = name !== "" ? dnsLabelError(name) : required ? "Required value: a port's name is required when there are several ports" : undefined;
  if (err) p.get("name").error(name !== "" ? "invalid" : "required", `${name !== "" ? `Invalid value: ${err}: a port's name is a DNS-1123 label` : err} ${refuses}`);
  const app = p.raw("appProtocol");
  if (typeof app === "string" && labelKeyError(app)) p.get("appProtocol").error("invalid", `Invalid value: ${JSON.stringify(app)}: an appProtocol is a qualified name (alphanumerics, '-', '_' or '.', optionally prefixed by a DNS subdomain and '/') ${refuses}`);
  return err !== undefined;
}

/**
 * core/v1 ValidateEndpoints (validateEndpointSubsets, validateEndpointAddress, validateEndpointPort)
 * beyond the front end's addresses (discovery.ts): a subset has `addresses` or `notReadyAddresses`,
 * an address's `hostname` is a DNS-1123 label and its `nodeName` a Node's name, a port's name is a
 * DNS-1123 label and required when the subset has several ports, its `appProtocol` a qualified
 * name. The API server refuses the Endpoints otherwise, so nothing is mirrored from it.
 */
const endpointsFields: Rule = (root) => {
  const refuses = "(the API server refuses the Endpoints)";
  const subsets = Array.isArray(root.raw("subsets")) ? root.get("subsets").list() ?? [] : [];
  for (const ss of subsets) {
    if (!ss.object()) continue;
    const some = (k: string) => Array.isArray(ss.raw(k)) && (ss.raw(k) as unknown[]).length > 0;
    if (!some("addresses") && !some("notReadyAddresses")) ss.error("required", `Required value: must specify \`addresses\` or \`notReadyAddresses\` ${refuses}`);
    for (const k of ["addresses", "notReadyAddresses"]) {
      if (!Array.isArray(ss.raw(k))) continue;
      for (const a of ss.get(k).list() ?? []) if (a.object()) endpointNames(a, refuses, true);
    }
    const ports = Array.isArray(ss.raw("ports")) ? ss.get("ports").list() ?? [] : [];
    for (const p of ports) {
      if (!p.object()) continue;
      const name = p.raw("name");
      if (name === undefined || name === null || typeof name === "string") endpointPort(p, name ?? "", ports.length > 1, refuses);
    }
  }
};

/** core/v1 ValidateNode: podCIDR and podCIDRs are CIDRs, at most one per family. */
const nodeCidrs: Rule = (root) => {
  const spec = root.get("spec");
  if (typeof spec.get("podCIDR").value === "string" && spec.get("podCIDR").value !== "") readCidr(spec.get("podCIDR"));
  const cidrs = Array.isArray(spec.get("podCIDRs").value) ? spec.get("podCIDRs").list() ?? [] : [];
  const families = new Set<number>();
  for (const f of cidrs) {
    if (typeof f.value !== "string") continue;
    const c = readCidr(f);
    if (c && families.has(c.family)) f.error("invalid-cidr", "may specify no more than one CIDR for each IP family");
    if (c) families.add(c.family);
  }
  if (cidrs.length > 2) spec.get("podCIDRs").error("too-many", "must have at most 2 items (one per IP family)");
};

/** The API server's limit on an object's annotations, keys and values together (apimachinery ValidateAnnotationsSize). */
export const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/** apimachinery ValidateObjectMeta: the annotations of any object total at most 256 KiB (UTF-8 bytes). */
const annotationsSize: Rule = (root) => {
  const a = root.get("metadata").get("annotations");
  if (a.value === null || typeof a.value !== "object" || Array.isArray(a.value)) return;
  let size = 0;
  for (const [k, v] of Object.entries(a.value)) size += Buffer.byteLength(k) + (typeof v === "string" ? Buffer.byteLength(v) : 0);
  if (size > ANNOTATIONS_SIZE_LIMIT) a.error("too-long", `Too long: annotations total ${size} bytes; may not be more than ${ANNOTATIONS_SIZE_LIMIT} bytes (the API server's limit)`);
};

/**
 * apimachinery ValidateAnnotations: each key, lowercased, is a qualified name (IsQualifiedName(
 * strings.ToLower(k)): `Example.COM/Key` is one, `my key` or `a/b/c` not). The API server refuses
 * the object otherwise (it was read).
 */
const annotationKeys = (metadata: readonly string[]): Rule => (root) => {
  const a = fieldAt(root, metadata).get("annotations");
  for (const k of Object.keys(a.value as object)) {
    const e = labelKeyError(k.toLowerCase());
    if (e) a.get(k).error("invalid-annotation", `Invalid value: ${JSON.stringify(k)}: an annotation's key is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric; any case); the API server refuses the object`);
  }
};

/** A qualified name in any case, its lengths aside: the keys annotationKeys need not look at again. */
const PLAIN_ANNOTATION_KEY = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[a-z0-9](?:[-a-z0-9_.]*[a-z0-9])?$/i;

/**
 * What the annotations rules must look at, in one pass over an object's annotations: a cheap bound
 * of their size (a UTF-16 unit is at most 3 UTF-8 bytes; most objects skip the exact count), and a
 * key that may not be a qualified name.
 */
function annotationsToCheck(md: unknown): { large: boolean; keys: boolean } | undefined {
  const a = md !== null && typeof md === "object" ? (md as Record<string, unknown>).annotations : undefined;
  if (a === null || typeof a !== "object" || Array.isArray(a)) return undefined;
  let chars = 0, keys = false;
  for (const k in a) {
    const v = (a as Record<string, unknown>)[k];
    chars += k.length + (typeof v === "string" ? v.length : 0);
    if (!keys && (k.length > 63 || !PLAIN_ANNOTATION_KEY.test(k))) keys = true;
  }
  return { large: chars * 3 > ANNOTATIONS_SIZE_LIMIT, keys };
}

/** The API groups of the built-in kinds Junction reads (validated by pkg/apis/core/validation ValidateObjectMeta). */
const BUILT_IN_GROUPS = new Set(["", "apps", "batch", "networking.k8s.io", "discovery.k8s.io"]);

/** metav1 FinalizerOrphanDependents and FinalizerDeleteDependents, and core's FinalizerKubernetes: helper.IsStandardFinalizerName. */
const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

/**
 * apimachinery ValidateFinalizers: each finalizer a qualified name (ValidateFinalizerName:
 * IsQualifiedName), not both orphan and foregroundDeletion; for built-in kinds also core's
 * validateKubeFinalizerName (run by pkg/apis/core/validation ValidateObjectMeta): a name without a
 * '/' must be a standard one. A custom resource gets apimachinery's rules only. The API server
 * refuses an object that breaks them: it does not exist.
 */
const finalizers = (builtIn: boolean, at: readonly string[] = ["metadata", "finalizers"]): Rule => (root) => {
  const f = fieldAt(root, at), metadata = at[0] === "metadata";
  const list = f.list() ?? [];
  const seen = new Set<unknown>();
  for (const item of list) {
    const v = item.value;
    if (typeof v !== "string") continue;
    seen.add(v);
    if (labelKeyError(v) !== undefined) item.error("invalid-finalizer", `Invalid value: ${JSON.stringify(v)}: a finalizer is a qualified name (an optional DNS subdomain prefix and '/', then at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric)`);
    else if (builtIn && !v.includes("/") && !STANDARD_FINALIZERS.has(v)) item.error("invalid-finalizer", `Invalid value: ${JSON.stringify(v)}: name is neither a standard finalizer name nor is it fully qualified (write a domain-prefixed name such as example.com/${v}, or kubernetes, orphan or foregroundDeletion)`);
  }
  // (ValidateFinalizers' conflict check is metadata's: ValidateNamespace runs only validateFinalizerName on spec.finalizers.)
  if (metadata && seen.has("orphan") && seen.has("foregroundDeletion")) f.error("invalid-finalizer", "Invalid value: finalizer orphan and foregroundDeletion cannot be both set");
};

function hasFinalizers(obj: Record<string, unknown>): boolean {
  const md = obj.metadata as Record<string, unknown> | undefined;
  return md !== null && typeof md === "object" && Array.isArray(md.finalizers) && md.finalizers.length > 0;
}

/** Where a kind's PodSpec is. */
const POD_SPEC: Record<string, readonly string[]> = {
  Pod: ["spec"], Deployment: TEMPLATE, StatefulSet: TEMPLATE, DaemonSet: TEMPLATE,
  ReplicaSet: TEMPLATE, ReplicationController: TEMPLATE, Job: TEMPLATE, CronJob: JOB_TEMPLATE,
};

const CONTAINER_GROUPS = ["containers", "initContainers", "ephemeralContainers"] as const;

/**
 * pkg/apis/core/validation: a container's name is unique in its pod, across containers, init and
 * ephemeral containers (validateContainers, validateInitContainers, validateEphemeralContainers:
 * "Duplicate value"), a port's name unique in its container (validateContainerPorts; two
 * containers may each name a port alike), an ephemeral container has no ports, a hostPort is used once
 * in the pod's containers (AccumulateUniqueHostPorts) and, with hostNetwork, equals its containerPort
 * (validateHostNetwork). The API server refuses such a pod or template; a port name given twice
 * would resolve to two ports.
 */
const podSpecNames = (at: readonly string[]): Rule => (root) => {
  const spec = fieldAt(root, at);
  const names = new Set<string>(), hostPorts = new Set<string>();
  // (SetDefaults_PodSpec: with hostNetwork, a hostPort of 0 is the containerPort.)
  const hostNetwork = spec.raw("hostNetwork") === true;
  for (const group of CONTAINER_GROUPS) {
    const list = Array.isArray(spec.raw(group)) ? spec.get(group).list() ?? [] : [];
    for (const c of list) {
      if (!c.object()) continue;
      const name = c.raw("name");
      if (typeof name === "string" && name !== "") {
        if (names.has(name)) c.get("name").error("duplicate", `Duplicate value: ${JSON.stringify(name)} (a container's name is unique in its pod)`);
        names.add(name);
      }
      if (group === "ephemeralContainers" && Array.isArray(c.raw("ports")) && (c.raw("ports") as unknown[]).length) { c.get("ports").error("forbidden", "Forbidden: cannot be set for an Ephemeral Container (validateEphemeralContainers)"); continue; }
      const ports = Array.isArray(c.raw("ports")) ? c.get("ports").list() ?? [] : [];
      const portNames = new Set<string>();
      for (const p of ports) {
        const n = p.object() ? p.raw("name") : undefined;
        if (typeof n !== "string" || n === "") continue;
        if (portNames.has(n)) p.get("name").error("duplicate", `Duplicate value: ${JSON.stringify(n)} (a port's name is unique in its container)`);
        portNames.add(n);
      }
      for (const p of ports) {
        if (!p.object()) continue;
        const host = p.raw("hostPort"), port = p.raw("containerPort");
        if (typeof host !== "number" || host === 0) continue;
        // validateHostNetwork (containers and init containers).
        if (hostNetwork && host !== port) p.get("containerPort").error("invalid-port", `Invalid value: ${String(port)}: must match \`hostPort\` when \`hostNetwork\` is true`);
        // AccumulateUniqueHostPorts over the containers: protocol/hostIP/hostPort once.
        if (group !== "containers") continue;
        const key = `${typeof p.raw("protocol") === "string" && p.raw("protocol") !== "" ? String(p.raw("protocol")) : "TCP"}/${typeof p.raw("hostIP") === "string" ? String(p.raw("hostIP")) : ""}/${host}`;
        if (hostPorts.has(key)) p.get("hostPort").error("duplicate", `Duplicate value: ${JSON.stringify(key)} (a host port is used once in a pod)`);
        hostPorts.add(key);
      }
    }
  }
};

/**
 * pkg/apis/core/validation ValidatePodSpec, validateContainers and validateContainerCommon, which
 * the OpenAPI schema does not carry: a PodSpec has containers ("spec.containers: Required value";
 * the Go struct is not a pointer, so a Pod without `spec` is validated as the zero PodSpec and
 * refused, as is a template with `metadata` and no `spec`), and each container and init container
 * has a name that is a DNS-1123 label. (It has an image too, "containers[0].image: Required value",
 * which is not checked: an image changes no answer, and manifests written for analysis, the
 * examples and tests among them, leave it out.) A controller without its template is the front
 * end's error (core.ts), not repeated here.
 */
const podSpecRequired = (at: readonly string[]): Rule => (root) => {
  const holder = fieldAt(root, at.slice(0, -1));
  if (!holder.object()) return;
  const spec = holder.get(at[at.length - 1]);
  const containers = spec.get("containers");
  if (!Array.isArray(containers.value) || containers.value.length === 0) {
    const whose = at.length > 1 ? `the ${root.ctx.kind}'s template` : `the ${root.ctx.kind}`;
    containers.error("required", spec.present
      ? `Required value: a pod has at least one container (the API server refuses ${whose})`
      : `Required value: ${whose} has no spec, so no containers, and the API server refuses it (it validates the zero PodSpec)`);
    return;
  }
  for (const group of ["containers", "initContainers"] as const) {
    for (const c of Array.isArray(spec.raw(group)) ? spec.get(group).list() ?? [] : []) {
      if (!c.object()) continue;
      const name = c.raw("name");
      if (name === "") c.get("name").error("required", "Required value: a container has a name (the API server refuses an empty one)");
      else if (typeof name === "string") { const e = dnsLabelError(name); if (e) c.get("name").error("invalid-name", `Invalid value: ${e} (a container's name is a DNS-1123 label)`); }
    }
  }
};

const POD_RESTART_POLICIES = ["Always", "OnFailure", "Never"];
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];

/**
 * pkg/apis/core/validation: fields of a PodSpec the OpenAPI schema carries as free strings.
 * ValidatePodCreate: a Pod is created without ephemeral containers ("spec.ephemeralContainers:
 * Forbidden: cannot be set on create": `kubectl debug` adds them through the ephemeralcontainers
 * subresource of a running pod; a pod the server stored, a dump's, may have them);
 * ValidatePodTemplateSpec: a template never has them ("ephemeral containers not allowed in pod
 * template"). ValidatePodSpec: a Pod's restartPolicy is Always, OnFailure or Never
 * (validateRestartPolicy; a template's is templateRestart's), dnsPolicy one of four
 * (validateDNSPolicy) and `None` only with a dnsConfig that names a nameserver
 * (validatePodDNSConfig), hostname and subdomain DNS-1123 labels, nodeName a DNS-1123 subdomain
 * (ValidateNodeName). The API server refuses such a pod or template; empty strings are defaulted
 * (SetDefaults_PodSpec: Always, ClusterFirst) or mean none.
 */
const podSpecFields = (at: readonly string[]): Rule => (root) => {
  const spec = fieldAt(root, at);
  if (!spec.object()) return;
  const pod = at.length === 1;
  const ephemeral = spec.raw("ephemeralContainers");
  if (Array.isArray(ephemeral) && ephemeral.length > 0) {
    if (!pod) spec.get("ephemeralContainers").error("forbidden", "Forbidden: ephemeral containers not allowed in pod template (the API server refuses it; kubectl debug adds them to a running pod)");
    else if (!serverAccepted(root.value as Record<string, unknown>)) spec.get("ephemeralContainers").error("forbidden", "Forbidden: cannot be set on create (the API server refuses the Pod; kubectl debug adds ephemeral containers to a running pod through its ephemeralcontainers subresource)");
  }
  const restart = spec.raw("restartPolicy");
  if (pod && typeof restart === "string" && restart !== "" && !POD_RESTART_POLICIES.includes(restart)) spec.get("restartPolicy").error("unsupported", `Unsupported value: ${JSON.stringify(restart)}: supported values: "Always", "OnFailure", "Never" (the API server refuses the Pod)`);
  const dns = spec.raw("dnsPolicy");
  if (typeof dns === "string" && dns !== "" && !DNS_POLICIES.includes(dns)) spec.get("dnsPolicy").error("unsupported", `Unsupported value: ${JSON.stringify(dns)}: supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None" (the API server refuses it)`);
  else if (dns === "None") {
    const config = spec.get("dnsConfig"), servers = config.raw("nameservers");
    if (!config.object()) config.error("required", "Required value: must provide `dnsConfig` when `dnsPolicy` is None (the API server refuses it)");
    else if (!Array.isArray(servers) || servers.length === 0) config.get("nameservers").error("required", "Required value: must provide at least one DNS nameserver when `dnsPolicy` is None (the API server refuses it)");
  }
  for (const k of ["hostname", "subdomain"]) {
    const v = spec.raw(k), e = typeof v === "string" && v !== "" ? dnsLabelError(v) : undefined;
    if (e) spec.get(k).error("invalid-name", `Invalid value: ${e} (a pod's ${k} is a DNS-1123 label; the API server refuses it)`);
  }
  const node = spec.raw("nodeName"), nodeErr = typeof node === "string" && node !== "" ? dnsSubdomainError(node) : undefined;
  if (nodeErr) spec.get("nodeName").error("invalid-name", `Invalid value: ${nodeErr} (a node's name is a DNS-1123 subdomain; the API server refuses it)`);
  // ValidateServiceAccountName on the account the conversion gives (an empty serviceAccountName takes the deprecated serviceAccount).
  const account = accountField(spec), accountErr = account ? dnsSubdomainError(account.value as string) : undefined;
  if (account && accountErr) account.error("invalid-name", `Invalid value: ${accountErr} (a service account's name is a DNS-1123 subdomain; the API server refuses it)`);
  // unversionedvalidation.ValidateLabels(spec.NodeSelector).
  const selector = spec.raw("nodeSelector");
  if (selector !== null && typeof selector === "object" && !Array.isArray(selector)) {
    for (const [k, v] of Object.entries(selector)) {
      const e = labelKeyError(k) ?? (typeof v === "string" ? labelValueError(v) : undefined);
      if (e) spec.get("nodeSelector").get(k).error("invalid-label", `Invalid value: ${e} (a nodeSelector is labels; the API server refuses it)`);
    }
  }
  // ValidateHostAliases: each ip a valid IP address (IsValidIP: netutils.ParseIPSloppy outside the
  // StrictIPCIDRValidation gate, so IPv4 leading zeros are read as decimal; no white space, no zone).
  const aliases = spec.raw("hostAliases");
  if (Array.isArray(aliases)) aliases.forEach((a, i) => {
    const ip = a !== null && typeof a === "object" ? (a as Record<string, unknown>).ip : undefined;
    if (typeof ip === "string" && !parseAddress(ip) && !parseAddress(ip.replace(/(^|\.)0+(?=\d)/g, "$1"))) spec.get("hostAliases").get(i).get("ip").error("invalid-ip", `Invalid value: ${JSON.stringify(ip)}: must be a valid IP address (the API server refuses it)`);
  });
};

/** The field holding a PodSpec's service account, when one is given: serviceAccountName, else (empty or absent) the deprecated serviceAccount. */
function accountField(spec: Field): Field | undefined {
  for (const k of ["serviceAccountName", "serviceAccount"]) if (typeof spec.raw(k) === "string" && spec.raw(k) !== "") return spec.get(k);
  return undefined;
}

/** Whether a PodSpec may break podSpecFields: a cheap look at the raw object (a dump's pods have a nodeName, dnsPolicy and restartPolicy, all valid). */
function mayBreakPodFields(obj: Record<string, unknown>, at: readonly string[]): boolean {
  let spec: unknown = obj;
  for (const k of at) spec = spec !== null && typeof spec === "object" ? (spec as Record<string, unknown>)[k] : undefined;
  if (spec === null || typeof spec !== "object") return false;
  const s = spec as Record<string, unknown>;
  if (Array.isArray(s.ephemeralContainers) && s.ephemeralContainers.length > 0) return true;
  if (typeof s.restartPolicy === "string" && s.restartPolicy !== "" && !POD_RESTART_POLICIES.includes(s.restartPolicy)) return true;
  if (typeof s.dnsPolicy === "string" && s.dnsPolicy !== "" && s.dnsPolicy !== "ClusterFirst" && s.dnsPolicy !== "ClusterFirstWithHostNet" && s.dnsPolicy !== "Default") return true;
  for (const k of ["hostname", "subdomain"]) if (typeof s[k] === "string" && s[k] !== "" && dnsLabelError(s[k] as string)) return true;
  const account = typeof s.serviceAccountName === "string" && s.serviceAccountName !== "" ? s.serviceAccountName : s.serviceAccount;
  if (typeof account === "string" && account !== "" && dnsSubdomainError(account)) return true;
  if (s.nodeSelector !== null && typeof s.nodeSelector === "object") for (const [k, v] of Object.entries(s.nodeSelector)) if (labelKeyError(k) || (typeof v === "string" && labelValueError(v))) return true;
  if (Array.isArray(s.hostAliases) && s.hostAliases.length) return true;
  return typeof s.nodeName === "string" && s.nodeName !== "" && dnsSubdomainError(s.nodeName) !== undefined;
}

/** Whether a PodSpec may break podSpecRequired: a cheap look at the raw object (what is at `at`, its containers and their names). */
function mayLackContainers(obj: Record<string, unknown>, at: readonly string[]): boolean {
  let holder: unknown = obj;
  for (const k of at.slice(0, -1)) holder = holder !== null && typeof holder === "object" ? (holder as Record<string, unknown>)[k] : undefined;
  if (holder === null || typeof holder !== "object" || Array.isArray(holder)) return false;
  const spec = (holder as Record<string, unknown>)[at[at.length - 1]];
  if (spec === null || typeof spec !== "object") return true;
  const containers = (spec as Record<string, unknown>).containers;
  if (!Array.isArray(containers) || containers.length === 0) return true;
  for (const list of [containers, (spec as Record<string, unknown>).initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (c === null || typeof c !== "object") continue;
      const name = (c as Record<string, unknown>).name;
      if (typeof name === "string" && (name === "" || dnsLabelError(name) !== undefined)) return true;
    }
  }
  return false;
}

/** Whether a PodSpec may break podSpecNames: a cheap look at the raw object (most pods have one container and unique port names). */
function mayRepeatNames(obj: Record<string, unknown>, at: readonly string[]): boolean {
  let spec: unknown = obj;
  for (const k of at) spec = spec !== null && typeof spec === "object" ? (spec as Record<string, unknown>)[k] : undefined;
  if (spec === null || typeof spec !== "object") return false;
  let containers = 0;
  for (const group of CONTAINER_GROUPS) {
    const list = (spec as Record<string, unknown>)[group];
    if (!Array.isArray(list)) continue;
    containers += list.length;
    for (const c of list) {
      const ports = c !== null && typeof c === "object" ? (c as Record<string, unknown>).ports : undefined;
      if (group === "ephemeralContainers" && Array.isArray(ports) && ports.length) return true;
      if (!Array.isArray(ports)) continue;
      for (const q of ports) if (typeof (q as Record<string, unknown> | null)?.hostPort === "number" && (q as Record<string, unknown>).hostPort !== 0) return true;
      for (let i = 1; i < ports.length; i++) {
        const n = (ports[i] as Record<string, unknown> | null)?.name;
        if (typeof n === "string" && n !== "" && ports.slice(0, i).some((q) => (q as Record<string, unknown> | null)?.name === n)) return true;
      }
    }
  }
  return containers > 1;
}

const RULES: Record<string, Rule[]> = {
  "apps/Deployment": [selectsTemplate, templateRestart(TEMPLATE, ALWAYS)], "apps/StatefulSet": [selectsTemplate, templateRestart(TEMPLATE, ALWAYS)],
  "apps/DaemonSet": [selectsTemplate, templateRestart(TEMPLATE, ALWAYS)], "apps/ReplicaSet": [selectsTemplate, templateRestart(TEMPLATE, ALWAYS)],
  "/ReplicationController": [rcSelectsTemplate, templateRestart(TEMPLATE, ALWAYS)],
  "batch/Job": [jobSelector, templateRestart(TEMPLATE, JOB_POLICIES)], "batch/CronJob": [cronJobSelector, templateRestart(JOB_TEMPLATE, JOB_POLICIES)],
  "/Service": [servicePorts, serviceExternalName, serviceClusterIPs, serviceFields], "/Node": [nodeCidrs],
  "discovery.k8s.io/EndpointSlice": [endpointSliceFields], "/Endpoints": [endpointsFields],
  // ValidateNamespace: each of spec.finalizers by validateFinalizerName, as metadata's.
  "/Namespace": [finalizers(true, ["spec", "finalizers"])],
};

const RULE_KINDS = new Set(Object.keys(RULES).map((k) => k.slice(k.indexOf("/") + 1)));

/** The rules every object may need, each only where a cheap look says so. */
function commonRules(raw: RawObject, group: string): Rule[] {
  const out: Rule[] = [];
  const annotations = annotationsToCheck(raw.obj.metadata);
  if (annotations?.large) out.push(annotationsSize);
  if (annotations?.keys) out.push(annotationKeys(METADATA));
  if (hasFinalizers(raw.obj)) out.push(finalizers(BUILT_IN_GROUPS.has(group)));
  const at = BUILT_IN_GROUPS.has(group) ? POD_SPEC[raw.kind] : undefined;
  // ValidatePodTemplateSpec: a template's annotations too.
  if (at && at.length > 1) {
    const template = [...at.slice(0, -1), "metadata"];
    if (annotationsToCheck(valueAt(raw.obj, template))?.keys) out.push(annotationKeys(template));
  }
  if (at && mayRepeatNames(raw.obj, at)) out.push(podSpecNames(at));
  if (at && mayLackContainers(raw.obj, at)) out.push(podSpecRequired(at));
  if (at && mayBreakPodFields(raw.obj, at)) out.push(podSpecFields(at));
  return out;
}

/** Runs the rules of the object's kind; returns the paths that got an error. */
export function semanticRules(raw: RawObject, diags: Diagnostics): Path[] {
  const slash = raw.apiVersion.lastIndexOf("/");
  // (The kind first: most objects (pods) have no rules, and a key string made per object costs.)
  const group = slash < 0 ? "" : raw.apiVersion.slice(0, slash);
  const kindRules = RULE_KINDS.has(raw.kind) ? RULES[`${group}/${raw.kind}`] ?? [] : [];
  const common = commonRules(raw, group);
  const rules = common.length ? [...common, ...kindRules] : kindRules;
  if (!rules.length) return [];
  const before = diags.items.length;
  const ctx = new ObjectContext(raw.ref, diags, raw.kind, raw.obj);
  for (const rule of rules) rule(Field.root(ctx, raw.obj));
  return diags.items.slice(before).filter((d) => d.severity === "error").map((d) => d.field ?? []);
}
