// ingress-nginx answers after the backend: custom error pages (HSTS: model/nginx-server-name.ts nginxCertificateFor). custom-http-errors: nginx.tmpl writes, in a location with the annotation (else,
// from the ConfigMap, in the http block, which every location without one inherits),
//   proxy_intercept_errors on;                                  (unless disable-proxy-intercept-errors)
//   error_page CODE = @custom_UPSTREAM_CODE;                    (UPSTREAM: the location's DefaultBackendUpstreamName)
// and the named location (template "CUSTOM_ERRORS") proxies to that upstream with `proxy_set_header X-Code CODE`,
// X-Format $http_accept, X-Original-URI $request_uri, X-Namespace, X-Ingress-Name, X-Service-Name, X-Service-Port, and
// `rewrite (.*) / break;`; with `proxy_intercept_errors off` there, the client gets what that upstream answers ("=":
// its status). error_page takes nginx's own answers (a deny's 403, auth's 401, the balancer's 503) and, with
// proxy_intercept_errors, the backend's. The upstream: for the annotation's codes, the location's custom default backend (the default-backend
// annotation's Service with an endpoint: controller.go getBackendServers "custom-default-backend-NS-NAME"), else (and
// always for the ConfigMap's codes, the http block's error_page lines) upstream-default-backend: the controller's --default-backend-service with an endpoint (getDefaultUpstream), else
// nginx's own default server (127.0.0.1:8181, `return 404;`).

import type { RouteRule } from "../../model/route.js";
import { failureOf, type ResolvedBackend } from "./backends.js";
import type { EndpointReader } from "../../model/service-endpoints.js";
import type { Exchange } from "./filters.js";
import { Headers } from "./headers.js";
import type { RouteRequest, RouteResult } from "./request.js";

type Errors = NonNullable<RouteRule["nginxCustomErrors"]>;


/**
 * Replaces an answer whose status is one of the rule's custom error codes by the default backend's. `fromBackend`: the
 * status is the backend's (error_page takes it only with proxy_intercept_errors); `forward`: serves the request
 * (ex, as rewritten here) from a backend, setting res as a backend's answer.
 */
export function nginxErrorPage(errors: Errors, rule: RouteRule, res: RouteResult, req: RouteRequest, ex: Exchange, fromBackend: boolean,
  resolve: (ref: RouteRule["nginxDefaultBackend"]) => ResolvedBackend | undefined, reader: EndpointReader, forward: (b: ResolvedBackend) => void): void {
  const status = res.status;
  if (status === null || res.redirect !== null || !errors.codes.includes(status) || (fromBackend && !errors.intercept)) return;
  const usable = (b: ResolvedBackend | undefined) => (b && !b.problem && !failureOf(b, true, reader) ? b : undefined);
  // The location's own error_page lines name its DefaultBackendUpstreamName: the custom default backend where it has an
  // endpoint (controller.go getBackendServers: `location.DefaultBackendUpstreamName = name`, shouldCreateUpstreamForLocation-
  // DefaultBackend: `len(location.CustomHTTPErrors) != 0`, the annotation's only: `loc.CustomHTTPErrors = anns.CustomHTTPErrors`);
  // the http block's (the ConfigMap's codes) name @custom_upstream-default-backend_CODE whatever the location's backend.
  const custom = errors.own ? usable(resolve(rule.nginxDefaultBackend)) : undefined, service = usable(resolve(errors.service));
  const upstream = custom ?? service;
  const why = `Ingress ${errors.from}: error_page ${status} = @custom_${custom ? `custom-default-backend (its default-backend ${custom.name})` : "upstream-default-backend"}_${status}`;
  const first = rule.backends[0];
  const [ns, ing] = errors.from.split("/");
  // The named location's proxy_pass sends the client's request headers (proxy_pass_request_headers on), those its
  // proxy_set_header lines name replaced: X-Code ... X-Service-Port, and X-Request-ID ($req_id) and X-Forwarded-For
  // ($remote_addr), whose values nginx makes (left out here rather than the client's).
  const set: [string, string][] = [
    ["X-Code", String(status)], ["X-Format", req.headers.find(([n]) => n.toLowerCase() === "accept")?.[1] ?? ""], ["X-Original-URI", req.path],
    ["X-Namespace", ns ?? ""], ["X-Ingress-Name", ing ?? ""], ["X-Service-Name", first?.name ?? ""], ["X-Service-Port", String(first?.port ?? "")],
  ];
  const replaced = new Set([...set.map(([n]) => n.toLowerCase()), "x-request-id", "x-forwarded-for"]);
  ex.headers = new Headers([...set, ...req.headers.filter(([n]) => !replaced.has(n.toLowerCase()))]);
  ex.path = "/";
  ex.failed = undefined;
  const original = res.reason;
  if (!upstream) {
    Object.assign(res, { status: 404, backend: null, upstream: null, responseHeaders: {}, reason: `${why}: the controller's default backend is nginx's own server (${errors.service ? `--default-backend-service ${errors.service.namespace}/${errors.service.name} has no ready endpoint` : "no --default-backend-service"}), which answers 404 (instead of ${status}: ${original})` });
    res.steps.push({ stage: "backend", outcome: res.reason });
    return;
  }
  forward(upstream);
  res.backends = [{ name: upstream.name, kind: upstream.ref.kind, port: upstream.ref.port, weight: 1 }];
  res.reason = `${why}: ${upstream.name} answers in its place, asked ${ex.method} / (a named location keeps the method) with X-Code ${status} (instead of ${status}: ${original})`;
  res.steps.push({ stage: "backend", outcome: res.reason });
}
