// The intermediate form of the Ingress → Gateway API conversion: Gateways with listeners, and
// routes per (namespace, class, host, protocol) whose rules still remember the Ingress that
// configures them. Emitting turns it into Gateway API objects.

import type { Ingress } from "../../model/ingress.js";
import type { NginxAccess } from "../../model/nginx.js";
import type { NginxServerNames } from "../../model/nginx-server-name.js";
import type { Gateway } from "../../model/gateway.js";

export interface BackendRef {
  name: string;
  /** Another namespace than the route's: an ingress-nginx canary of another namespace (route graph only, group.ts addCanary). */
  namespace?: string;
  port?: number;
  /** A resource backend: its API group and kind (a Service has neither). */
  group?: string;
  kind?: string;
  weight?: number;
}

export interface HeaderMatch {
  name: string;
  value: string;
  type?: "RegularExpression";
}

export interface PathMatch {
  type: "Exact" | "PathPrefix" | "RegularExpression";
  value: string;
  /** ingress-nginx's ImplementationSpecific path: a string prefix (route graph only; model/route.ts PathMatch). */
  characterwise?: true;
}

export interface RouteMatch {
  /** undefined: every path (a match-less rule). */
  path?: PathMatch;
  headers?: HeaderMatch[];
}

export type Filter =
  | { type: "RequestRedirect"; requestRedirect: { scheme?: string; hostname?: string; port?: number; path?: { type: "ReplaceFullPath"; replaceFullPath: string }; statusCode: number; dropTrailingSlash?: true; fixedQuery?: string; forwardedHost?: true; alwaysPort?: true } }
  | { type: "URLRewrite"; urlRewrite: { path: { type: "ReplaceFullPath"; replaceFullPath: string } } }
  | { type: "RequestHeaderModifier"; requestHeaderModifier: { set: { name: string; value: string }[] } }
  | { type: "CORS"; cors: Record<string, unknown> };

export interface RuleIR {
  matches: RouteMatch[];
  filters: Filter[];
  backends: BackendRef[];
  /** timeouts.request, in seconds. */
  requestTimeout?: number;
  /** The (non-canary) Ingress whose annotations configure this rule. */
  source: Ingress;
  /**
   * Its access checks once the ingress-nginx controller's ConfigMap is read (lower.ts, withGlobalRanges: set for every
   * rule of an ingress-nginx class when the input has that ConfigMap): the annotations' checks completed by the global
   * source ranges and real-IP settings. Unset: the annotations' checks alone (tomodel.ts reads `source.nginx.access`).
   */
  access?: NginxAccess;
  /** ingress-nginx's default-backend annotation, resolved to its Service's first port (route graph only). */
  fallback?: BackendRef;
  /** service-upstream backends, "namespace/name" (RouteRule.nginxServiceUpstream; route graph only). */
  nginxServiceUpstream?: string[];
  /** custom-http-errors (RouteRule.nginxCustomErrors; route graph only). */
  nginxCustomErrors?: { codes: number[]; intercept: boolean; own: boolean; from: string; service?: BackendRef };
  /** proxy-redirect-from / -to of its Ingress (route graph only; RouteRule.nginxProxyRedirect). */
  nginxProxyRedirect?: { from: string; to: string };
  /** The host's server verifies client certificates (auth-tls-secret of its first Ingress that sets it; route graph only). */
  nginxClientCert?: { ca: string; verify: string; errorPage?: string; ingress: string };
  /** Why ingress-nginx's answer for the rule is raw nginx configuration Junction does not read (an allowed snippet; route graph only). */
  nginxUndetermined?: string;
  /** rewrite-target with capture references ($1...) on an ingress-nginx class (route graph only; RouteRule.nginxRewrite). */
  nginxRewrite?: { regex: string; target: string };
  /** nginx's own 301 from a prefix location's name without its trailing slash (see trailingSlashRedirects). */
  trailingSlash?: boolean;
  /** app-root's 302 for "/": nginx.tmpl's server-level `if ($uri = /)`, before the location is chosen (features.ts applyHostFeatures). */
  appRoot?: true;
  /** The redirect to HTTPS applies where a certificate is configured for the request's host (RouteRule.nginxSslRedirect; route graph only). */
  nginxSslRedirect?: true;
  /** custom-headers' response headers (RouteRule.nginxResponseHeaders; route graph only). */
  nginxResponseHeaders?: [string, string][];
  /** client_max_body_size of the location (RouteRule.nginxBodyLimit; route graph only). */
  nginxBodyLimit?: { bytes: number; written: string };
}

export type RouteKind = "HTTPRoute" | "GRPCRoute" | "TLSRoute";

export interface ParentRef {
  /** The Gateway's namespace (written only when it is not the route's). */
  namespace: string;
  name: string;
  sectionName?: string;
  port?: number;
}

export interface RouteIR {
  kind: RouteKind;
  namespace: string;
  name: string;
  hostnames: string[];
  parentRefs: ParentRef[];
  rules: RuleIR[];
}

export interface ListenerIR {
  name: string;
  port: number;
  protocol: "HTTP" | "HTTPS" | "TLS";
  hostname?: string;
  /** Certificates are Secrets in the namespace of the Ingress that names them. */
  tls?: { mode?: "Passthrough"; certificateRefs?: { group: ""; kind: "Secret"; name: string; namespace: string }[]; defaultCertificate?: true };
}

export interface GatewayIR {
  namespace: string;
  name: string;
  className: string;
  listeners: ListenerIR[];
  /** An ingress-nginx class's wildcard and regular-expression server names (route graph only; model/gateway.ts Gateway.nginxServerNames). */
  nginxServerNames?: NginxServerNames;
  /** A class ingress-nginx serves: its header name settings (route graph only; model/gateway.ts Gateway.nginxHeaderNames). */
  nginxHeaderNames?: Gateway["nginxHeaderNames"];
  /** An ingress-nginx class's HSTS header and the names with a certificate configured (route graph only; Gateway.nginxHsts). */
  nginxHsts?: { value: string; hosts: string[] };
  /** An ingress-nginx class's certificate servers (route graph only; Gateway.nginxCertificates). */
  nginxCertificates?: string[];
}

/** Routes of one host in one (namespace, class) Gateway: what the Ingresses say about it. */
export interface HostGroup {
  namespace: string;
  className: string;
  /** undefined: the rules without host. */
  host?: string;
  protocol: "http" | "grpc";
  /** The contributing Ingresses, in conversion order. */
  ingresses: Ingress[];
  rules: RuleIR[];
}

/** ingress2gateway's names: runs of non-alphanumerics become "-", a leading "-" goes; no host → "all-hosts". */
export function nameFromHost(host: string | undefined): string {
  if (!host) return "all-hosts";
  return host.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-/, "").replace(/-$/, "");
}

/** A listener's name: "<host>-<suffix>", or just the suffix for the host-less listener. */
export function listenerName(host: string | undefined, suffix: string): string {
  return host ? `${nameFromHost(host)}-${suffix}` : suffix;
}
