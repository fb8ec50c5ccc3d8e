// Route filters (HTTPRoute and GRPCRoute, rule and backend level) with the CRD's CEL rules:
// the field named by `type` must be set and no other, and each modifier lists a header once.

import type { CorsPolicy, HeaderModifier, HeaderValue, PathModifier, RouteFilter } from "../../model/route.js";
import type { Field } from "../fields.js";
import { readPortNumber } from "../k8s.js";
import { readBackendRef } from "./refs.js";
import { HEADER_NAME, readGroup, readKind, readObjectName, readPreciseHostname } from "./values.js";

const FIELD_OF: Record<string, string> = {
  RequestHeaderModifier: "requestHeaderModifier", ResponseHeaderModifier: "responseHeaderModifier", RequestMirror: "requestMirror",
  RequestRedirect: "requestRedirect", URLRewrite: "urlRewrite", ExtensionRef: "extensionRef", CORS: "cors", ExternalAuth: "externalAuth",
};
export const HTTP_FILTERS = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "RequestRedirect", "URLRewrite", "ExtensionRef", "CORS", "ExternalAuth"];
export const GRPC_FILTERS = ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestMirror", "ExtensionRef"];
const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

export function readFilters(list: Field, types: readonly string[], namespace: string): RouteFilter[] {
  const out: RouteFilter[] = [];
  const seen = new Set<string>();
  for (const f of list.list({ max: 16 }) ?? []) {
    if (!f.object(true)) continue;
    const type = f.get("type").string({ required: true, oneOf: types });
    if (!type) continue;
    for (const [t, field] of Object.entries(FIELD_OF)) {
      if (t !== type && f.get(field).present) f.get(field).error("forbidden", `must not be set when type is ${type}`);
    }
    const body = f.get(FIELD_OF[type]);
    if (!body.object(true)) continue;
    if (type !== "RequestMirror" && type !== "ExtensionRef") {
      if (seen.has(type)) f.get("type").error("duplicate", `the ${type} filter may appear only once in a filter list`);
      seen.add(type);
    }
    const filter = readFilter(type, body, namespace);
    if (filter) out.push(filter);
  }
  if (seen.has("RequestRedirect") && seen.has("URLRewrite")) list.error("exclusive", "RequestRedirect and URLRewrite filters cannot both be used in one filter list");
  return out;
}

function readFilter(type: string, body: Field, namespace: string): RouteFilter | undefined {
  switch (type) {
    case "RequestHeaderModifier": case "ResponseHeaderModifier": return { type, modifier: readHeaderModifier(body) };
    case "RequestRedirect": return readRedirect(body);
    case "URLRewrite": return { type, hostname: readPreciseHostname(body.get("hostname")), path: readPathModifier(body.get("path")) };
    case "RequestMirror": return readMirror(body, namespace);
    case "CORS": return { type, cors: readCors(body) };
    case "ExtensionRef": {
      const name = readObjectName(body.get("name"));
      const ref = { group: readGroup(body.get("group"), ""), kind: readKind(body.get("kind"), ""), name: name ?? "" };
      if (!body.get("group").present) body.get("group").missing();
      if (!body.get("kind").present) body.get("kind").missing();
      return name === undefined ? undefined : { type, ref };
    }
    default:
      // Valid API, but Junction cannot evaluate it: requests through it fail (500), as for an unresolved filter.
      body.warn("unsupported-filter", `the ${type} filter is not supported by Junction; requests through it are answered 500`);
      return { type: "ExtensionRef", ref: { group: "gateway.networking.k8s.io", kind: type, name: "" } };
  }
}

function readHeaderValues(list: Field): HeaderValue[] {
  const out: HeaderValue[] = [];
  for (const h of list.list({ max: 16 }) ?? []) {
    const name = readHeaderName(h.get("name"));
    const value = h.get("value").string({ required: true });
    if (name === undefined || value === undefined) continue;
    // apis/v1/httproute_types.go HTTPHeader.Name: "If multiple entries specify equivalent header names, the first entry
    // with an equivalent name MUST be considered ... Subsequent entries with an equivalent header name MUST be
    // ignored" ("foo" and "Foo" are equivalent). The API server refuses only the same name twice (+listMapKey=name).
    const first = out.find((o) => o.name.toLowerCase() === name.toLowerCase());
    // (The same name twice is the schema's "Duplicate value" error.)
    if (first && first.name !== name) h.get("name").warn("duplicate", `header ${name} is ${first.name} again (names are case-insensitive): ignored, the first entry applies`);
    if (!first) out.push({ name, value });
  }
  return out;
}

export function readHeaderName(f: Field): string | undefined {
  const name = f.string({ required: true, nonEmpty: true });
  if (name !== undefined && (name.length > 256 || !HEADER_NAME.test(name))) return f.error("invalid-value", `${JSON.stringify(name)} is not a valid HTTP header name`);
  return name;
}

function readHeaderModifier(f: Field): HeaderModifier {
  const remove = (f.get("remove").list({ max: 16 }) ?? []).map(readHeaderName).filter((s): s is string => s !== undefined);
  return { set: readHeaderValues(f.get("set")), add: readHeaderValues(f.get("add")), remove };
}

function readPathModifier(f: Field): PathModifier | undefined {
  if (!f.object()) return undefined;
  const type = f.get("type").string({ required: true, oneOf: ["ReplaceFullPath", "ReplacePrefixMatch"] }) as PathModifier["type"] | undefined;
  const full = f.get("replaceFullPath"), prefix = f.get("replacePrefixMatch");
  if (type === "ReplaceFullPath" && prefix.present) prefix.error("forbidden", "must not be set when type is ReplaceFullPath");
  if (type === "ReplacePrefixMatch" && full.present) full.error("forbidden", "must not be set when type is ReplacePrefixMatch");
  // apis/v1/httproute_types.go HTTPPathModifier: both values are only `+kubebuilder:validation:MaxLength=1024`
  // (no pattern, no CEL rule on their form): the spec's ReplacePrefixMatch table itself has `<empty string>`
  // (/foo/bar, prefix /foo -> /bar), so "" and paths without a leading '/' are admitted as the API server does.
  const value = (type === "ReplaceFullPath" ? full : prefix).string({ required: true });
  if (value !== undefined && value.length > 1024) {
    (type === "ReplaceFullPath" ? full : prefix).error("invalid-value", "must be at most 1024 characters");
  }
  return type && value !== undefined ? { type, value } : undefined;
}

function readRedirect(f: Field): RouteFilter {
  const scheme = f.get("scheme").string({ oneOf: ["http", "https"] });
  const statusCode = f.get("statusCode").int() ?? 302;
  if (![301, 302, 303, 307, 308].includes(statusCode)) f.get("statusCode").error("enum", `${statusCode} is not one of 301, 302, 303, 307, 308`);
  const port = f.get("port").present ? readPortNumber(f.get("port")) : undefined;
  return { type: "RequestRedirect", scheme, hostname: readPreciseHostname(f.get("hostname")), path: readPathModifier(f.get("path")), port, statusCode };
}

function readMirror(f: Field, namespace: string): RouteFilter | undefined {
  const backend = readBackendRef(f.get("backendRef"), namespace);
  const pct = f.get("percent"), frac = f.get("fraction");
  if (pct.present && frac.present) frac.error("exclusive", "percent and fraction cannot both be set");
  let percent = pct.int({ min: 0, max: 100 }) ?? 100;
  if (frac.object()) {
    const num = frac.get("numerator").int({ required: true, min: 0 }) ?? 0;
    const den = frac.get("denominator").int({ min: 1 }) ?? 100;
    if (num > den) frac.get("numerator").error("range", "numerator must be less than or equal to denominator");
    percent = (Math.min(num, den) / den) * 100;
  }
  return backend ? { type: "RequestMirror", backend: { ...backend, weight: 1 }, percent } : undefined;
}

function stringList(f: Field, check?: (s: string, item: Field) => void): string[] {
  const out: string[] = [];
  for (const item of f.list({ max: 64 }) ?? []) {
    const s = item.string({ required: true });
    if (s === undefined) continue;
    check?.(s, item);
    out.push(s);
  }
  return out;
}

function readCors(f: Field): CorsPolicy {
  const allowOrigins = stringList(f.get("allowOrigins"), (s, item) => {
    if (s !== "*" && !/^(https?):\/\/(\*\.)?[^/:*]+(:\d+)?$/.test(s) && !/^(https?):\/\/\*$/.test(s)) item.error("invalid-value", `${JSON.stringify(s)} is not an origin (scheme://host[:port], optionally with a "*." host wildcard, or "*")`);
  });
  const allowMethods = stringList(f.get("allowMethods"), (s, item) => {
    if (s !== "*" && !METHODS.includes(s)) item.error("enum", `${JSON.stringify(s)} is not an HTTP method or "*"`);
  });
  if (allowMethods.includes("*") && allowMethods.length > 1) f.get("allowMethods").error("invalid-value", `"*" must be the only method when present`);
  const allowCredentials = f.get("allowCredentials").bool() ?? false;
  const maxAge = f.get("maxAge").int({ min: 1 }) ?? 5;
  return { allowOrigins, allowMethods, allowHeaders: stringList(f.get("allowHeaders")), exposeHeaders: stringList(f.get("exposeHeaders")), allowCredentials, maxAge };
}
