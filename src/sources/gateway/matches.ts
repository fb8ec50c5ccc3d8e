// HTTPRoute and GRPCRoute matches, validated as the CRDs' schemas and CEL rules do, with the
// API defaults spelled out (a missing path is PathPrefix "/", a missing match type is Exact).

import type { NameValueMatch, PathMatch, RouteMatch, ValueMatchType } from "../../model/route.js";
import type { Field } from "../fields.js";
import { readHeaderName } from "./filters.js";
import { REGEX_SEMANTICS, regexError } from "../../model/regex.js";

const METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];
const PATH_CHARS = /^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$/;
const GRPC_SERVICE = /^(?:\.?[a-z_][a-z_0-9]*)(?:\.[a-z_][a-z_0-9]*)*$/i;
const GRPC_METHOD = /^[A-Za-z_][A-Za-z_0-9]*$/;

export const CATCH_ALL: RouteMatch = { path: { type: "PathPrefix", value: "/" }, headers: [], queryParams: [] };

/** Why an Exact or PathPrefix path value is rejected by the API server, if it is. */
export function pathValueError(value: string): string | undefined {
  if (!value.startsWith("/")) return "must be an absolute path starting with '/'";
  if (value.length > 1024) return "is longer than 1024 characters";
  if (!PATH_CHARS.test(value)) return "contains characters not allowed in a path";
  for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) if (value.includes(bad)) return `must not contain ${JSON.stringify(bad)}`;
  if (value.endsWith("/..") || value.endsWith("/.")) return "must not end with '/..' or '/.'";
  return undefined;
}

/**
 * The CRD accepts any string as a RegularExpression; the controller reports an invalid one in the
 * route's status (the rule is dropped), so it is a warning here, not an input error.
 */
function checkRegex(f: Field, value: string): void {
  const err = regexError(value, REGEX_SEMANTICS.gatewayApi);
  if (err) f.warn("invalid-regex", `${JSON.stringify(value)} is not a valid RE2 regular expression (${err}): the controller drops this rule and says so in the route status`);
}

function readPath(f: Field): PathMatch {
  if (!f.object()) return { type: "PathPrefix", value: "/" };
  const type = (f.get("type").string({ oneOf: ["Exact", "PathPrefix", "RegularExpression"] }) ?? "PathPrefix") as PathMatch["type"];
  const value = f.get("value").string() ?? "/";
  if (type === "RegularExpression") checkRegex(f.get("value"), value);
  else { const err = pathValueError(value); if (err) f.get("value").error("invalid-path", `${JSON.stringify(value)} ${err}`); }
  return { type, value };
}

/** Header or query parameter matches; only the first of equivalent names counts, as the spec says. */
function readNameValues(list: Field, caseInsensitive: boolean): NameValueMatch[] {
  const out: NameValueMatch[] = [];
  for (const m of list.list({ max: 16 }) ?? []) {
    if (!m.object(true)) continue;
    const name = readHeaderName(m.get("name"));
    const type = (m.get("type").string({ oneOf: ["Exact", "RegularExpression"] }) ?? "Exact") as ValueMatchType;
    const value = m.get("value").string({ required: true, nonEmpty: true });
    if (value !== undefined && type === "RegularExpression") checkRegex(m.get("value"), value);
    if (name === undefined || value === undefined) continue;
    const same = (o: NameValueMatch) => caseInsensitive ? o.name.toLowerCase() === name.toLowerCase() : o.name === name;
    if (out.some((o) => o.name === name)) m.get("name").error("duplicate", `${JSON.stringify(name)} is matched twice`);
    else if (!out.some(same)) out.push({ type, name, value });
  }
  return out;
}

export function readHttpMatches(list: Field): RouteMatch[] {
  if (!list.present) return [CATCH_ALL];
  const out: RouteMatch[] = [];
  for (const m of list.list({ max: 64 }) ?? []) {
    if (!m.object(true)) continue;
    const method = m.get("method").string({ oneOf: METHODS });
    out.push({ path: readPath(m.get("path")), method, headers: readNameValues(m.get("headers"), true), queryParams: readNameValues(m.get("queryParams"), false) });
  }
  return out.length ? out : [CATCH_ALL];
}

function readGrpcMethod(f: Field): RouteMatch["grpc"] {
  if (!f.object()) return undefined;
  const type = (f.get("type").string({ oneOf: ["Exact", "RegularExpression"] }) ?? "Exact") as ValueMatchType;
  const service = f.get("service").string({ nonEmpty: true });
  const method = f.get("method").string({ nonEmpty: true });
  if (service === undefined && method === undefined) { f.error("required", "one or both of service and method must be set"); return undefined; }
  const check = (name: "service" | "method", value: string | undefined, pattern: RegExp) => {
    if (value === undefined) return;
    if (type === "RegularExpression") return checkRegex(f.get(name), value);
    if (!pattern.test(value)) f.get(name).error("invalid-value", `${JSON.stringify(value)} is not a valid gRPC ${name} name`);
  };
  check("service", service, GRPC_SERVICE);
  check("method", method, GRPC_METHOD);
  return { type, service, method };
}

export function readGrpcMatches(list: Field): RouteMatch[] {
  const out: RouteMatch[] = [];
  for (const m of list.list({ max: 64 }) ?? []) {
    if (!m.object(true)) continue;
    out.push({ grpc: readGrpcMethod(m.get("method")), headers: readNameValues(m.get("headers"), true), queryParams: [] });
  }
  return out.length ? out : [{ headers: [], queryParams: [] }];
}
