// Validators shared by every Kubernetes front end: metadata, names, labels, selectors, CIDRs, ports.
// They mirror the API server's own rules (apimachinery validation).

import { addressCidr, formatAddress, isLoopback, parseAddress, parseAddressAsWritten, parseCidr, parseCidrAsWritten, parseGoCidr, type Address, type Cidr, type GoCidr } from "../model/ip.js";
import { isPortName, isProtocol, MAX_PORT, type Protocol } from "../model/ports.js";

export { isPortName };
import { parseRfc3339 } from "../model/time.js";
import { selector, type LabelSelector, type Labels, type Operator, type Requirement } from "../model/selector.js";
import { NULL_ELEMENT, describe, givenString, props, type Field, type NumberRule, type StringRule } from "./fields.js";
import { intern, runInterner, validLabels } from "./intern.js";

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Whether `s` is DNS-1123 labels (lowercase letters, digits and '-', each starting and ending with a
 * letter or digit) joined by dots, or one such label when `dots` is false: apimachinery's
 * dns1123LabelFmt and dns1123SubdomainFmt, `[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*`,
 * read in one pass (every object's name and namespace is checked: the regular expression's
 * backtracking cost 44 ms at 100k pods).
 */
function isDns1123(s: string, dots: boolean): boolean {
  // prev: the last character, a dot at the start (a label starts there).
  let prev = 46;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) prev = c;
    else if (c === 45 && prev !== 46) prev = c;
    else if (c === 46 && dots && prev !== 46 && prev !== 45) prev = c;
    else return false;
  }
  return prev !== 46 && prev !== 45;
}

export function dnsLabelError(s: string): string | undefined {
  if (s.length > 63) return `${JSON.stringify(s)} is longer than 63 characters`;
  if (!isDns1123(s, false)) return `${JSON.stringify(s)} is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)`;
  return undefined;
}

export function dnsSubdomainError(s: string): string | undefined {
  if (s.length > 253) return `${JSON.stringify(s)} is longer than 253 characters`;
  if (!isDns1123(s, true)) return `${JSON.stringify(s)} is not a valid DNS-1123 subdomain (lowercase letters, digits, '-' and '.')`;
  return undefined;
}

export interface Meta {
  name: string;
  namespace?: string;
  labels: Labels;
  annotations: Labels;
}

const internNamespace = runInterner();
/** The last namespace readMetadata found valid (dnsLabelError is a function of the text alone). */
let validNamespace: string | undefined;
const NAME_RULE: StringRule = { required: true, nonEmpty: true };

/** metadata.labels, read by readLabels. */
const metaLabels = (md: Field): Labels => readLabels(md.get("labels"));

/**
 * The annotations of an object that has none. Frozen: the model keeps an object's annotations
 * (Ingress) and nothing changes them in place; one object for them all (most objects have none).
 */
const NO_ANNOTATIONS: Labels = Object.freeze({}) as Labels;

/**
 * Reads metadata. Namespaced kinds get "default" when no namespace is given, as kubectl does.
 * `labels` reads metadata.labels (readLabels, or a reader that gives what it gives, reporting the same).
 */
export function readMeta(root: Field, namespaced: boolean, labels: (md: Field) => Labels = metaLabels): Meta | undefined {
  return readMetadata(root.get("metadata"), namespaced, labels);
}

/** readMeta of `md`, the object's metadata field (for a front end that reads more of it: one field made for it). */
export function readMetadata(md: Field, namespaced: boolean, labels: (md: Field) => Labels = metaLabels): Meta | undefined {
  if (!md.object(true)) return undefined;
  // (Its fields read by name, each once: fields.ts props.)
  const m = props(md.value);
  // kubectl apply refuses an object with generateName and no name (apply.go: "cannot use generate
  // name with apply"); kubectl create would have the API server make up a name, which no policy can know.
  const givenName = m.name;
  const generated = givenName === undefined || givenName === null ? m.generateName : undefined;
  if (typeof generated === "string" && generated !== "") return md.get("name").error("required", `required field is missing: kubectl apply refuses generateName alone ("from ${generated}: cannot use generate name with apply"; kubectl create would let the API server make up a name, which nothing can refer to); give the object a name`);
  // (NAME_RULE: a string that is not empty is the name, with nothing to report.)
  const name = typeof givenName === "string" && givenName !== "" ? givenName : md.childString("name", NAME_RULE);
  if (name !== undefined) {
    const err = dnsSubdomainError(name);
    if (err) md.get("name").error("invalid-name", err);
  }
  let namespace: string | undefined;
  if (namespaced) {
    // An empty namespace is none: kubectl gives the object its default namespace (cli-runtime's
    // SetNamespace visitor sets it when len(info.Namespace) == 0).
    namespace = internNamespace(givenString(md, "namespace", m.namespace) || "default");
    // (The last valid one is not checked again: a file's objects share their namespace.)
    if (namespace !== validNamespace) {
      const err = dnsLabelError(namespace);
      if (err) md.get("namespace").error("invalid-namespace", err);
      else validNamespace = namespace;
    }
  }
  const read = labels(md);
  const annotations = readAnnotations(md);
  return name === undefined ? undefined : { name, namespace, labels: read, annotations };
}

/** metadata.creationTimestamp in ms since the epoch (model/time.ts parseRfc3339, as Go's metav1.Time reads it); one that is not RFC 3339 is an error. */
export function readCreated(root: Field): number | undefined {
  const f = root.get("metadata").get("creationTimestamp");
  const ts = f.string();
  const created = ts === undefined ? undefined : parseRfc3339(ts);
  if (ts !== undefined && created === undefined) f.error("invalid-value", `${JSON.stringify(ts)} is not an RFC 3339 timestamp`);
  return created;
}

/** The annotations of metadata `md` (readStringMap; absent or null: none, with nothing to report and no field made). */
export function readAnnotations(md: Field): Record<string, string> {
  const given = props(md.value).annotations;
  return given === undefined || given === null ? NO_ANNOTATIONS : readStringMap(md.get("annotations"));
}

export function readStringMap(f: Field): Record<string, string> {
  const o = f.object();
  const out: Record<string, string> = {};
  if (!o) return out;
  // (Own keys in Object.entries' order, without its pair arrays or a key array: a dump has several
  // maps per pod. A parsed object inherits no enumerable key, so for-in gives exactly its own.)
  for (const k in o) {
    const v = o[k];
    if (typeof v === "string") out[k] = v;
    else if (v === null) f.get(k).error("null-value", NULL_ELEMENT);
    else if (v !== undefined) f.get(k).error("type", `must be a string, not ${describe(v)}`);
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

/**
 * metadata.labels of an object whose labels the model does not keep (a controller's own labels: its
 * pods' are its template's; a Service's, a NetworkPolicy's): what readLabels reports, and nothing
 * made or interned for labels it would read without a report (a dump's controllers have as many
 * label values as its pods, each a string to hash into the intern table). Gives one frozen empty
 * labels object.
 */
export function checkLabels(md: Field): Labels {
  const given = md.raw("labels");
  if (given !== undefined && given !== null && !cleanLabels(given)) readLabels(md.get("labels"));
  return NO_LABELS;
}

const NO_LABELS: Labels = Object.freeze({}) as Labels;

/** Whether readLabels would read `given` without a report: an object of strings, each label valid (isValidLabel). */
function cleanLabels(given: unknown): boolean {
  if (typeof given !== "object" || given === null || Array.isArray(given)) return false;
  const valid = validLabels();
  for (const k in given as Record<string, unknown>) {
    const v = (given as Record<string, unknown>)[k];
    if (typeof v !== "string" || !labelOk(k, v, valid?.get(k))) return false;
  }
  return true;
}

/** What is wrong with a label (its key, else its value), as the API server checks it; undefined when nothing is. */
export function labelError(key: string, value: string): string | undefined {
  return labelKeyError(key) ?? labelValueError(value);
}

/**
 * Whether labelError finds nothing in the label: the one rule every reader of labels applies
 * (readLabels, checkLabels, core.ts's pod labels read in runs), answered from the load's last valid
 * value of the key when it can be (intern.ts validLabels).
 */
export function isValidLabel(key: string, value: string): boolean {
  return labelOk(key, value, validLabels()?.get(key));
}

/**
 * isValidLabel, given `last`, the load's last valid value of the key (undefined: none yet): the same
 * value is valid again; a key seen valid is valid, so only the value is checked.
 */
function labelOk(key: string, value: string, last: string | undefined): boolean {
  if (last === value) return true;
  return (last !== undefined || labelKeyError(key) === undefined) && labelValueError(value) === undefined;
}

export function readLabels(f: Field): Labels {
  const labels = readStringMap(f);
  const valid = validLabels();
  for (const k in labels) {
    const v = labels[k];
    const last = valid?.get(k);
    if (last === v) { labels[k] = last; continue; }
    labels[k] = intern(v);
    if (labelOk(k, v, last)) valid?.set(k, labels[k]);
    else f.get(k).error("invalid-label", labelError(k, v)!);
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
    const values = (valuesField.list() ?? []).map((v) => v.value === null ? v.error("null-value", NULL_ELEMENT) : v.string()).filter((v): v is string => v !== undefined);
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

/**
 * A CIDR in canonical or host-bits form; host bits are cleared. The reader of Junction's own API and
 * of the kinds without a rule of their own below (readCidrAs reads each vendor kind as its upstream does).
 * An IPv4-mapped prefix of /96 or longer is the IPv4 network (Go's net.ParseCIDR, as addresses are
 * read: model/ip.ts parseCidr); readCidrAsWritten reads it as an IPv6 prefix, which no IPv4 address is
 * in (for readers that keep the family: Rust's ipnet, Go's net/netip).
 */
export function readCidr(f: Field): Cidr | undefined {
  return readCidrWith(f, parseCidr);
}

export function readCidrAsWritten(f: Field): Cidr | undefined {
  return readCidrWith(f, parseCidrAsWritten);
}

function readCidrWith(f: Field, parse: (s: string) => Cidr | undefined): Cidr | undefined {
  const s = f.string({ required: true });
  if (s === undefined) return undefined;
  const c = parse(s);
  if (!c) return f.error("invalid-cidr", `${JSON.stringify(s)} is not a valid CIDR`);
  return c;
}

/**
 * Whose rules read a CIDR field (readCidrAs): each kind as its API server validates it and its
 * implementation then reads it.
 * - "ipBlock": NetworkPolicy ipBlock; ValidateIPBlock (pkg/apis/networking/validation) calls
 *   IsValidCIDRForLegacyField with strict validation only under the StrictIPCIDRValidation gate
 *   (alpha, off by default), so the API server accepts leading zeros (`010.0.0.0/8`), an IPv4-mapped
 *   IPv6 address (`::ffff:10.0.0.0/104`) and host bits (`10.0.0.1/8`), with warnings
 *   (GetWarningsForCIDR). The first two it calls invalid ("non-standard CIDR value ... is invalid:
 *   use 10.0.0.0/8"), the gate refuses them, and readers differ (Go's net.IPNet takes
 *   ::ffff:10.0.0.0/104 for 10.0.0.0/8, net/netip for an IPv6 prefix; Go since 1.17 refuses leading
 *   zeros): an error, read as the warning's form under --lenient. Host bits: a warning.
 * - "isCIDR": AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy `networks`
 *   (network-policy-api's CIDR type: `isCIDR(self)`); k8s.io/apiserver cel/library cidr.go parseCIDR
 *   is netip.ParsePrefix and refuses an IPv4-mapped address (Is4In6). Host bits pass isCIDR; the
 *   implementations read the network (net.ParseCIDR, netip.Prefix.Masked): a warning.
 * - "calico": Calico's validator (libcalico-go validator/v3 validateCIDR: cnet.ParseCIDROrIP, "an IP
 *   address is valid, and assumed to be fully masked") and felix (updateprocessors normalizeIPNets,
 *   the same parser): Go's net.ParseCIDR, or a bare address as /32 or /128; an IPv4-mapped address
 *   with a prefix length of 96 or more is the IPv4 network (net.IPNet, as felix renders it): a warning.
 * - "cilium": the CRD's `format: cidr` (kube-openapi strfmt: govalidator.IsCIDR, net.ParseCIDR) and
 *   Cilium's agent (pkg/policy/api rule_validation.go CIDRRule.Validate and CIDR.Validate:
 *   netip.ParsePrefix, which refuses `/08` the API server accepts: the agent refuses the policy);
 *   an IPv4-mapped address is an IPv6 prefix to the agent (labels/cidr IPStringToLabel), which no
 *   IPv4 flow matches: an error (read so under --lenient). Host bits: masked (a warning).
 * Under --lenient an error reads what can be read (the address trimmed, leading zeros as decimal).
 */
export type CidrRule = "ipBlock" | "isCIDR" | "calico" | "cilium";

/** Why Go's parsers refuse `s` (for the messages). */
function cidrFault(s: string): string {
  if (/\s/.test(s)) return "white space";
  if (s.includes("%")) return "a zone";
  if (!s.includes("/")) return "no prefix length";
  const [address, bits] = s.split("/");
  if ((bits.length > 1 && bits[0] === "0") || address.split(".").some((o) => o.length > 1 && o[0] === "0" && /^[0-9]+$/.test(o))) return "leading zeros";
  const a = parseAddressAsWritten(address);
  if (a && /^[0-9]+$/.test(bits)) return `a prefix length above ${a.family === 4 ? 32 : 128}`;
  return "an invalid address or prefix length";
}

/** What --lenient reads for a refused CIDR. */
function lenientCidr(s: string): Cidr | undefined {
  const t = s.trim();
  const a = t.includes("/") ? undefined : parseAddressAsWritten(t);
  return parseGoCidr(a ? `${t}/${a.family === 4 ? 32 : 128}` : t, "sloppy")?.cidr;
}

function network(c: Cidr): string {
  return `${formatAddress({ family: c.family, value: c.first })}/${c.prefix}`;
}

/** The one address a CIDR with host bits may have meant (`10.0.0.1/8` -> `10.0.0.1/32`). */
function singleAddress(s: string): string {
  return addressCidr(parseAddressAsWritten(s.split("/")[0])!).text;
}

function hostBitsWarning(f: Field, s: string, read: GoCidr, who: string): void {
  const single = singleAddress(s);
  f.warn("ambiguous-cidr", `CIDR value ${JSON.stringify(s)} has host bits set (should it be ${JSON.stringify(network(read.cidr))} or ${JSON.stringify(single)}?); ${who} reads the network ${network(read.cidr)}`);
}

/** A CIDR field read by the rules of `rule` (CidrRule); errors name the field, as always. */
export function readCidrAs(f: Field, rule: CidrRule): Cidr | undefined {
  const s = f.string({ required: true });
  if (s === undefined) return undefined;
  switch (rule) {
    case "ipBlock": {
      const read = parseGoCidr(s, "sloppy");
      if (!read) return f.error("invalid-cidr", `${JSON.stringify(s)} is not a valid CIDR`);
      const { cidr } = read;
      if (read.leadingZeros || read.mapped) {
        const why = read.mapped ? "an IPv4-mapped IPv6 address, which Go's net.IPNet reads as an IPv4 CIDR and net/netip as IPv6" : "leading zeros, read as decimal by the API server and refused by Go since 1.17";
        f.error("non-standard-cidr", `${JSON.stringify(s)} has ${why}; the API server accepts it with the warning "non-standard CIDR value ${JSON.stringify(s)} is invalid: use ${JSON.stringify(cidr.text)}" and refuses it under its StrictIPCIDRValidation gate: write ${JSON.stringify(cidr.text)} (--lenient reads it so)`);
      } else if (read.hostBits) {
        const single = singleAddress(s);
        f.warn("ambiguous-cidr", `CIDR value ${JSON.stringify(s)} is ambiguous in this context (should be ${JSON.stringify(network(cidr))} or ${JSON.stringify(single)}?), as the API server warns; read as ${network(cidr)}, the network Go's net.ParseCIDR gives network plugins`);
      }
      return cidr;
    }
    case "isCIDR": {
      const read = parseGoCidr(s, "netip");
      if (!read) {
        const lenient = lenientCidr(s);
        f.error("invalid-cidr", `${JSON.stringify(s)} is not a valid CIDR: the API server's isCIDR (net/netip.ParsePrefix) refuses ${cidrFault(s)}${lenient ? ` (--lenient reads ${network(lenient)})` : ""}`);
        return lenient;
      }
      if (read.mapped) {
        const v4 = parseGoCidr(s, "net")!.cidr;
        f.error("invalid-cidr", `${JSON.stringify(s)} is an IPv4-mapped IPv6 address, which the API server's isCIDR refuses${v4.family === 4 ? `: write ${JSON.stringify(network(v4))} (--lenient reads it so)` : ""}`);
        return v4;
      }
      if (read.hostBits) hostBitsWarning(f, s, read, "isCIDR accepts it, and every implementation");
      return read.cidr;
    }
    case "calico": {
      const bare = !s.includes("/") && !/\s/.test(s) ? parseAddress(s) : undefined;
      const read = parseGoCidr(bare ? `${s}/${bare.family === 4 ? 32 : 128}` : s, "net");
      if (!read) {
        const lenient = lenientCidr(s);
        return f.error("invalid-cidr", `${JSON.stringify(s)} is not a CIDR or an IP address as Calico's validator reads it (cnet.ParseCIDROrIP, Go's net.ParseCIDR): it has ${cidrFault(s)}; Calico refuses the policy${lenient ? ` (--lenient reads ${network(lenient)})` : ""}`) ?? lenient;
      }
      if (read.mapped && read.cidr.family === 4) f.warn("ipv4-mapped-cidr", `${JSON.stringify(s)} is an IPv4-mapped IPv6 address: Calico reads it as the IPv4 network ${network(read.cidr)} (Go's net.IPNet), not as IPv6; write ${JSON.stringify(network(read.cidr))}`);
      else if (read.hostBits && !bare) hostBitsWarning(f, s, read, "Calico (net.ParseCIDR)");
      return read.cidr;
    }
    case "cilium": {
      const read = parseGoCidr(s, "netip");
      if (!read) {
        const lenient = lenientCidr(s);
        const server = parseGoCidr(s, "net") !== undefined;
        return f.error("invalid-cidr", server
          ? `${JSON.stringify(s)}: the API server accepts it (format: cidr, Go's net.ParseCIDR) but Cilium's agent refuses the policy (netip.ParsePrefix: ${cidrFault(s)}); write ${JSON.stringify(network(lenient!))} (--lenient reads it so)`
          : `${JSON.stringify(s)} is not a valid CIDR (the CRD's format: cidr, Go's net.ParseCIDR, refuses ${cidrFault(s)})${lenient ? `; --lenient reads ${network(lenient)}` : ""}`) ?? lenient;
      }
      if (read.mapped) {
        f.error("invalid-cidr", `${JSON.stringify(s)} is an IPv4-mapped IPv6 address: the API server accepts it, and Cilium's agent reads an IPv6 prefix (netip.ParsePrefix), which no IPv4 flow matches; write the IPv4 CIDR or an IPv6 one (--lenient reads it as Cilium does)`);
      } else if (read.hostBits) hostBitsWarning(f, s, read, "Cilium (netip.Prefix masked, labels/cidr IPStringToLabel)");
      return read.cidr;
    }
  }
}

export function readProtocol(f: Field, fallback: Protocol = "TCP"): Protocol {
  const p = f.string(PROTOCOL_RULE);
  return isProtocol(p) ? p : fallback;
}

/** readProtocol(parent.get(key)), without making the field unless it reports. */
export function readChildProtocol(parent: Field, key: string, fallback: Protocol = "TCP"): Protocol {
  const p = parent.childString(key, PROTOCOL_RULE);
  return isProtocol(p) ? p : fallback;
}

// (Rules made once: a literal is a new object per call, and every port of a dump is read through them.)
const PROTOCOL_RULE: StringRule = { oneOf: ["TCP", "UDP", "SCTP"] };
const PORT_RULES: Record<"required" | "optional", NumberRule> = { required: { required: true, min: 1, max: MAX_PORT }, optional: { required: false, min: 1, max: MAX_PORT } };

export function readPortNumber(f: Field, required = true): number | undefined {
  return f.int(PORT_RULES[required ? "required" : "optional"]);
}

/** readPortNumber(parent.get(key), required), without making the field unless it reports. */
export function readChildPortNumber(parent: Field, key: string, required = true): number | undefined {
  return parent.childInt(key, PORT_RULES[required ? "required" : "optional"]);
}

/** An int-or-string port: a number 1-65535, or an IANA service name (as the API server checks). */
export function readPortOrName(f: Field): number | string | undefined {
  if (typeof f.value === "string") {
    const s = f.value;
    if (DIGITS.test(s)) return f.error("invalid-port", `${JSON.stringify(s)}: a port number must not be quoted, or a port name must contain a letter`);
    if (!isPortName(s)) return f.error("invalid-port", portNameMessage(s));
    return s;
  }
  return readPortNumber(f);
}

/** A port number readPortNumber reads without a report (an integer, 1-65535). */
export function isPortNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= MAX_PORT;
}

/** An int-or-string port readPortOrName reads without a report: a port number, or a port name (not all digits). */
export function isPortOrName(v: unknown): v is number | string {
  return isPortNumber(v) || (typeof v === "string" && !DIGITS.test(v) && isPortName(v));
}

const DIGITS = /^\d+$/;
export function portNameMessage(s: string): string {
  return `${JSON.stringify(s)} is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)`;
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

/**
 * ValidateNonSpecialIP, now ValidateEndpointIP (pkg/apis/core/validation): why the API server refuses
 * `a` (written `text`) as an external IP or an Endpoints or EndpointSlice address (unspecified,
 * loopback, link-local unicast or multicast: Go's net.IP methods, an IPv4-mapped IPv6 address read as
 * IPv4); undefined: it does not.
 */
export function nonSpecialIPError(a: Address, text: string): string | undefined {
  const v = a.value;
  if (v === 0n) return `may not be unspecified (${text})`;
  if (isLoopback(a)) return "may not be in the loopback range (127.0.0.0/8, ::1/128)";
  if (a.family === 4) {
    if (v >> 16n === 0xa9fen) return "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
    if (v >> 8n === 0xe00000n) return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
    return undefined;
  }
  if (v >> 118n === 0x3fan) return "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
  if (((v >> 112n) & 0xff0fn) === 0xff02n) return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
  return undefined;
}
