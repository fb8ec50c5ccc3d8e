// The CEL environment of CRD validation rules (x-kubernetes-validations): the standard library and
// strings extension of @bufbuild/cel (with RE2 `matches`, as Kubernetes uses), plus the Kubernetes
// extension libraries the vendored rules call — ip, cidr, url and format (k8s.io/apiserver/pkg/cel/library).
// IP and CIDR values are maps tagged with a private key, so that their methods dispatch on them.

import { createRequire } from "node:module";
import type { CelEnv, CelFunc } from "@bufbuild/cel";
import { contains, formatAddress, isMapped, parseAddress, parseAddressAsWritten, parseCidr, parseGoCidr } from "../../model/ip.js";
import { dnsLabelError, dnsSubdomainError, labelValueError } from "../k8s.js";

/**
 * The CEL library, loaded when the first rule is compiled (its CommonJS build, the only copy loaded;
 * the CLI's bundle requires its one-file copy instead, scripts/bundle-cli.mjs PACKAGES):
 * a process that validates nothing itself, e.g. one whose check-ahead worker validates every file
 * (checkahead.ts), does not pay for loading it.
 */
const require = createRequire(import.meta.url);
let cel: typeof import("@bufbuild/cel") | undefined;
function celLib(): typeof import("@bufbuild/cel") {
  return (cel ??= require("@bufbuild/cel") as typeof import("@bufbuild/cel"));
}

const IP = "__junction_ip";
const CIDR = "__junction_cidr";
const FORMAT = "__junction_format";
const URL_TAG = "__junction_url";

function tagged(v: unknown, tag: string): string {
  const s = celLib().isCelMap(v) ? v.get(tag) : undefined;
  if (typeof s !== "string") throw new Error(`no such overload: not a ${tag.slice(11)} value`);
  return s;
}

/** Kubernetes' isIP: a canonical-or-not IPv4/IPv6 address without zone; IPv4-mapped IPv6 is refused. */
function ipOk(s: string): boolean {
  const a = /[\s%]/.test(s) ? undefined : parseAddressAsWritten(s);
  return a !== undefined && !(a.family === 6 && isMapped(a.value));
}

/** Kubernetes' isCIDR (cel/library cidr.go parseCIDR): net/netip.ParsePrefix, and no IPv4-mapped IPv6 address. */
function cidrOk(s: string): boolean {
  const read = parseGoCidr(s, "netip");
  return read !== undefined && !read.mapped;
}

function family(s: string): bigint { return s.includes(":") ? 6n : 4n; }

// IP and CIDR values hold their canonical text, so that `==` compares them as Kubernetes compares
// netip.Addr and netip.Prefix values (`cidr("10.0.0.5/8") != cidr("10.0.0.5/8").masked()`).
function ipValue(s: string): Record<string, string> {
  if (!ipOk(s)) throw new Error(`IP Address ${JSON.stringify(s)} parse error during conversion from string`);
  return { [IP]: formatAddress(parseAddress(s)!) };
}

function cidrValue(s: string): Record<string, string> {
  if (!cidrOk(s)) throw new Error(`network address ${JSON.stringify(s)} parse error during conversion from string`);
  const slash = s.indexOf("/");
  return { [CIDR]: `${formatAddress(parseAddress(s.slice(0, slash))!)}/${Number(s.slice(slash + 1))}` };
}

/** cidr.masked(): the prefix with its host bits cleared. */
function masked(c: string): Record<string, string> {
  const p = parseCidr(c)!;
  return { [CIDR]: `${formatAddress({ family: p.family, value: p.first })}/${p.prefix}` };
}

/** cidr.containsCIDR(other): `other` is of the same family, no shorter, and inside. */
function containsCidr(c: string, other: string): boolean {
  const a = parseCidr(c)!, b = parseCidr(other)!;
  return a.family === b.family && b.prefix >= a.prefix && contains(a, { family: b.family, value: b.first });
}

interface ParsedUrl { scheme: string; host: string; path: string }

/**
 * Go's url.ParseRequestURI, which the Kubernetes url library uses: an absolute URI or an absolute
 * path; no control characters; the scheme lower-cased; an authority's port is digits; `%` escapes valid.
 */
export function parseRequestUri(s: string): ParsedUrl | undefined {
  if (!s || /[\x00-\x1f\x7f]/.test(s)) return undefined;
  if (s === "*") return { scheme: "", host: "", path: "*" };
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (!m && s.startsWith(":")) return undefined;
  const scheme = m ? m[1].toLowerCase() : "";
  let rest = (m ? s.slice(m[0].length) : s).split("?")[0];
  if (!rest.startsWith("/")) return scheme ? { scheme, host: "", path: "" } : undefined;
  let host = "";
  if (scheme && rest.startsWith("//")) {
    const end = rest.indexOf("/", 2);
    host = rest.slice(2, end < 0 ? undefined : end).replace(/^.*@/, "");
    rest = end < 0 ? "" : rest.slice(end);
    const port = /^(\[[^\]]*\]|[^:\[\]]*)(?::(.*))?$/.exec(host);
    if (!port || (port[2] !== undefined && !/^\d*$/.test(port[2])) || /[\s<>"{}|\\^`]/.test(host)) return undefined;
  }
  if (/%(?![0-9a-fA-F]{2})/.test(rest)) return undefined;
  return { scheme, host, path: rest };
}

function urlValue(s: string): Record<string, string> {
  if (!parseRequestUri(s)) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(s)}`);
  return { [URL_TAG]: s };
}

function urlPart(v: unknown): ParsedUrl {
  return parseRequestUri(tagged(v, URL_TAG))!;
}

/** host without the port and the IPv6 brackets, and the port, as Go's Hostname() and Port(). */
function hostPort(host: string): { hostname: string; port: string } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  return { hostname: (m?.[1] ?? host).replace(/^\[(.*)\]$/, "$1"), port: m?.[2] ?? "" };
}

const FORMATS: Record<string, (s: string) => string | undefined> = {
  dns1123Label: dnsLabelError,
  dns1123Subdomain: dnsSubdomainError,
  labelValue: (s) => labelValueError(s),
  dns1035Label: (s) => (/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(s) && s.length <= 63 ? undefined : `${JSON.stringify(s)} is not a valid DNS-1035 label`),
};

/** Kubernetes' CEL libraries (ip, cidr, url, format) and the strings extension. */
function k8sEnv(): CelEnv {
  const { celEnv, celFunc, celMethod, CelScalar, mapType } = celLib();
  const { strings } = require("@bufbuild/cel/ext") as typeof import("@bufbuild/cel/ext");
  const { STRING, BOOL, INT, DYN } = CelScalar;
  const MAP = mapType(STRING, DYN);
  const K8S_FUNCS: CelFunc[] = [
    celFunc("isIP", [STRING], BOOL, (s) => ipOk(s)),
    celFunc("ip", [STRING], MAP, (s) => ipValue(s)),
    celFunc("isCIDR", [STRING], BOOL, (s) => cidrOk(s)),
    celFunc("cidr", [STRING], MAP, (s) => cidrValue(s)),
    celMethod("family", MAP, [], INT, function () { return family(tagged(this, IP)); }),
    celMethod("ip", MAP, [], MAP, function () { const c = tagged(this, CIDR); return { [IP]: c.slice(0, c.indexOf("/")) }; }),
    celMethod("prefixLength", MAP, [], INT, function () { return BigInt(tagged(this, CIDR).split("/")[1]); }),
    // One overload each, taking a string or a value: arguments from lists and maps are dynamically typed.
    celMethod("containsIP", MAP, [DYN], BOOL, function (ip) { return contains(parseCidr(tagged(this, CIDR))!, parseAddress(typeof ip === "string" ? ipValue(ip)[IP] : tagged(ip, IP))!); }),
    celMethod("containsCIDR", MAP, [DYN], BOOL, function (c) { return containsCidr(tagged(this, CIDR), typeof c === "string" ? cidrValue(c)[CIDR] : tagged(c, CIDR)); }),
    celMethod("masked", MAP, [], MAP, function () { return masked(tagged(this, CIDR)); }),
    celFunc("isURL", [STRING], BOOL, (s) => parseRequestUri(s) !== undefined),
    celFunc("url", [STRING], MAP, (s) => urlValue(s)),
    celMethod("getScheme", MAP, [], STRING, function () { return urlPart(this).scheme; }),
    celMethod("getHost", MAP, [], STRING, function () { return urlPart(this).host; }),
    celMethod("getHostname", MAP, [], STRING, function () { return hostPort(urlPart(this).host).hostname; }),
    celMethod("getPort", MAP, [], STRING, function () { return hostPort(urlPart(this).host).port; }),
    celMethod("getEscapedPath", MAP, [], STRING, function () { return urlPart(this).path; }),
    ...Object.entries(FORMATS).map(([name]) => celFunc(`format.${name}`, [], MAP, () => ({ [FORMAT]: name }))),
    // validate() returns optional.none() when valid; the rules compare it with null.
    celMethod("validate", MAP, [STRING], DYN, function (s) { const e = FORMATS[tagged(this, FORMAT)](s); return e === undefined ? null : [e]; }),
  ];
  return celEnv({ funcs: [...strings, ...K8S_FUNCS] });
}

let env: CelEnv | undefined;

export type CelProgram = (self: unknown) => { ok: boolean; error?: string };

/** Compiles a rule once; evaluation of a rule that errors counts as a failure, as the API server reports it. */
export function compileRule(rule: string, schema?: CelSchema): CelProgram {
  const { isCelError, parse, plan } = celLib();
  const run = plan((env ??= k8sEnv()), parse(rule));
  return (self) => {
    const r = run({ self: toCel(self, schema) } as never);
    if (isCelError(r)) return { ok: false, error: String(r.message) };
    return { ok: r === true };
  };
}

/** The parts of a (converted) schema that decide how a value is seen from CEL. */
export interface CelSchema { properties?: Record<string, CelSchema>; additionalProperties?: unknown; items?: unknown }

/**
 * JSON numbers that are integers are CEL ints (the schemas type them integer). Properties declared in
 * the schema are seen under their escaped names (k8s.io/apiserver/pkg/cel escaping: `namespace` is
 * `__namespace__`, `a-b` is `a__dash__b`); keys of maps (additionalProperties) are left as they are.
 */
function toCel(v: unknown, s?: CelSchema): unknown {
  if (typeof v === "number") return Number.isInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map((x) => toCel(x, sub(s?.items)));
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    const props = s?.properties;
    for (const [k, x] of Object.entries(v)) {
      if (props && k in props) out[escapeCel(k)] = toCel(x, props[k]);
      else out[k] = toCel(x, sub(s?.additionalProperties));
    }
    return out;
  }
  return v;
}

function sub(s: unknown): CelSchema | undefined {
  return s !== null && typeof s === "object" ? (s as CelSchema) : undefined;
}

const CEL_RESERVED = new Set(["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);
const ESCAPES: Record<string, string> = { __: "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__" };

/** Kubernetes' escaping of property names in CEL (apiserver/pkg/cel/escaping.go). */
export function escapeCel(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__|[./-]/g, (m) => ESCAPES[m]);
}
