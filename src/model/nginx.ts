// The ingress-nginx annotations (nginx.ingress.kubernetes.io/*) an Ingress carries, read into
// typed values. The Ingress front end fills them in; lowering into the route graph
// (sources/ingress/lower.ts) gives them their meaning, for routing and conversion alike.

import type { Cidr } from "./ip.js";
import type { CorsPolicy } from "./route.js";
import type { LabelSelector } from "./selector.js";

export const NGINX_PREFIX = "nginx.ingress.kubernetes.io/";

/**
 * canary: "true" turns the Ingress into an alternative backend for the same host and path of a
 * main Ingress. A request goes to the canary by header, else by cookie, else by weight.
 */
export interface Canary {
  /** Requests whose header has this name: "always" → canary, "never" → main (unless a value or pattern is set). */
  header?: string;
  /** With `header`: only this exact value routes to the canary (then "never" is not special). */
  headerValue?: string;
  /** With `header` and no value: a PCRE the header value must match. */
  headerPattern?: string;
  /** A cookie with this name: "always" → canary, "never" → main. */
  cookie?: string;
  /** Share of the remaining requests sent to the canary: weight / weightTotal. undefined: 0. */
  weight?: number;
  weightTotal: number;
}

export interface NginxRedirect {
  kind: "permanent" | "temporal";
  /** The absolute URL redirected to. */
  url: string;
  code: number;
}

/** enable-cors with the cors-* annotations: the same policy as Gateway API's CORS filter. */
export type NginxCors = CorsPolicy;

/**
 * enable-cors as ingress-nginx reads it (cors/main.go Parse) and nginx.tmpl's "CORS" block writes it: the origins
 * (["*"]: any, the header "*"; none: no CORS answers at all), and the header values as written.
 */
export interface NginxCorsConfig {
  origins: string[];
  methods: string;
  headers: string;
  expose: string;
  credentials: boolean;
  maxAge: number;
}

/**
 * The access checks ingress-nginx writes into a location (rootfs/etc/nginx/template/nginx.tmpl): the
 * `deny` lines of denylist-source-range, then the `allow` lines of allowlist-source-range (alias
 * whitelist-source-range) and `deny all` (nginx's access module: the first line that holds the
 * client address decides, 403); auth-type basic|digest (auth_basic: 401 without credentials); auth-url
 * (auth_request to an external service). They run in nginx's access phase: after the rewrite phase's
 * redirects, ssl-redirect and CORS preflight answers, before the backend.
 */
export interface NginxAccess {
  /** "namespace/name" of the Ingress whose annotations these are. */
  ingress: string;
  /** denylist-source-range, as ingress-nginx normalizes it (net.ParseIPNets). */
  deny: Cidr[];
  /** allowlist-source-range (else whitelist-source-range); undefined: no allow lines. */
  allow?: Cidr[];
  /** Why ingress-nginx denies the whole location (a source range or auth-type it refuses: LocationDeniedError): it answers 503. */
  denied?: string;
  /** auth-type basic or digest (auth-secret, auth-realm). */
  basicAuth?: { type: "basic" | "digest"; secret: string; realm?: string };
  /**
   * auth-tls-secret ("namespace/name", the CA) with auth-tls-verify-client (on, off, optional, optional_no_ca; default
   * on): the host's server verifies client certificates (nginx.tmpl ssl_verify_client, server-wide: the first Ingress of
   * the host that sets it, controller.go createServers).
   */
  clientCert?: { ca: string; verify: string; errorPage?: string };
  /** auth-url: the external authorizer ingress-nginx asks (auth_request). */
  authUrl?: string;
  /** auth-signin (with auth-url only: authreq Parse) and auth-signin-redirect-param: the location's `error_page 401 = @SIGNIN` answers 302 there (nginx.tmpl). */
  authSignin?: { url: string; param?: string };
  /** The controller's real_ip settings (use-forwarded-headers or enable-real-ip): the client address is read from `header` when the connection comes from a `trusted` address. */
  realIp?: NginxRealIp;
  /**
   * The controller's block-cidrs, when the location has no allow or deny line of its own: nginx's
   * access module takes the enclosing level's rules only then (ngx_http_access_merge_loc_conf).
   */
  block?: Cidr[];
}

/**
 * The realip module's settings. `proxyProtocol`: use-forwarded-headers with use-proxy-protocol (nginx.tmpl
 * since controller v1.13): the header is read only when the PROXY header's source is trusted, and an
 * absent header leaves the load balancer's address (not the PROXY header's source) as $remote_addr.
 */
export interface NginxRealIp { header: string; trusted: Cidr[]; proxyProtocol?: true }

/** The ingress-nginx controller's ConfigMap (ingress-nginx/ingress-nginx-controller): its global source ranges, every location's without the annotation, and its real_ip settings. */
export interface NginxControllerConfig {
  allow?: Cidr[];
  deny: Cidr[];
  realIp?: NginxRealIp;
  /** block-cidrs: the http block's deny lines (a location without allow or deny lines of its own inherits them). */
  block?: Cidr[];
  /** annotations-risk-level as written (unset: the default High; sources/ingress/nginx-annotations.ts nginxRiskLevel). */
  riskLevel?: string;
  /** global-auth-url: the external authorizer of every location without its own auth-url, unless enable-global-auth is "false" (template.go shouldApplyGlobalAuth). */
  globalAuthUrl?: string;
  /** http-redirect-code (config.go default 308; configmap.go: 301, 302, 307 or 308): the status of the redirect to HTTPS. */
  httpRedirectCode?: number;
  /**
   * allow-cross-namespace-resources (config.go default false): without it an auth-secret or auth-tls-secret of another
   * namespace than the Ingress's denies its locations (auth, authtls Parse: "cross namespace ... not", LocationDenied).
   */
  allowCrossNamespace?: true;
  /**
   * enable-underscores-in-headers (config.go default false) and ignore-invalid-headers (default true): nginx.tmpl's
   * `underscores_in_headers` and `ignore_invalid_headers`, which drop a request header whose name is not letters, digits
   * and hyphens (and underscores, when enabled) before anything reads it. Written only where not the default.
   */
  underscoresInHeaders?: true;
  keepInvalidHeaders?: true;
  /** hsts and hsts-*: the Strict-Transport-Security value lua_ingress.lua adds to HTTPS answers (null: hsts "false"; undefined: the defaults). */
  hsts?: string | null;
  /** custom-http-errors: the http block's `error_page CODE = @custom_upstream-default-backend_CODE` (every location without the annotation). */
  customHttpErrors?: number[];
  /** disable-proxy-intercept-errors: no `proxy_intercept_errors on` in the http block. */
  disableProxyInterceptErrors?: true;
  /** allow-snippet-annotations (config.go default false): configuration-snippet and server-snippet are written into nginx.conf (else dropSnippetDirectives removes them). */
  allowSnippets?: true;
  /** use-proxy-protocol: nginx reads the client's address from the PROXY header its load balancer sends (not the connection's). */
  proxyProtocol?: true;
  /** global-allowed-response-headers (configmap.go: split at ",", trimmed, valid header names only; default none): the headers custom-headers may set. */
  allowedResponseHeaders?: string[];
  /** proxy-body-size (config.go default "1m"): every location's client_max_body_size unless its annotation sets one. */
  proxyBodySize?: string;
  /** use-forwarded-headers: besides the client address, lua_ingress.lua takes the scheme from X-Forwarded-Proto (pass_access_scheme), which decides the HTTPS redirects. */
  useForwardedHeaders?: true;
  /** ssl-redirect and force-ssl-redirect: the annotations' defaults (config.go: true and false). */
  sslRedirect?: boolean;
  forceSslRedirect?: boolean;
  preserveTrailingSlash?: boolean;
  /** no-tls-redirect-locations as written (config.go default "/.well-known/acme-challenge"): comma-separated path prefixes of locations never redirected to HTTPS. */
  noTlsRedirectLocations?: string;
  /**
   * use-forwarded-headers and compute-full-forwarded-for: nginx sends X-Forwarded-For as the client's
   * value followed by the connection's address ($full_x_forwarded_for), not $remote_addr alone.
   */
  fullForwardedFor?: true;
}

/**
 * An ingress-nginx controller of the input (a workload whose container runs /nginx-ingress-controller) with the flags that
 * choose the Ingresses it serves (pkg/flags/flags.go; store.go GetIngressClass and the IngressClass event handler) and
 * its ConfigMap. Each controller is its own nginx: an Ingress gets its class's controller's settings and pods
 * (model/nginx-controller.ts ingressNginxOf).
 */
export interface NginxController {
  kind: string;
  namespace: string;
  name: string;
  /** --controller-class (default "k8s.io/ingress-nginx"): it serves the IngressClasses whose spec.controller this is. */
  controllerClass: string;
  /** --ingress-class (default "nginx"): the kubernetes.io/ingress.class annotation value it serves (and, with byName, the IngressClass of that name). */
  ingressClass: string;
  /** --ingress-class-by-name: the IngressClass named ingressClass too, whatever its spec.controller. */
  byName?: true;
  /** --watch-ingress-without-class: Ingresses with neither ingressClassName nor the annotation too. */
  withoutClass?: true;
  /** --watch-namespace (default all): it reads the objects of that namespace only (informers.WithNamespace), its Ingresses among them. */
  watchNamespace?: string;
  /**
   * --watch-namespace-selector: it reads the objects of the namespaces whose labels the selector matches (store.go
   * watchedNamespace), its Ingresses among them; null: the controller does not start (the flag does not parse, or comes with
   * --watch-namespace: flags.go "mutually exclusive"), so it serves none.
   */
  watchNamespaceSelector?: LabelSelector | null;
  /** --enable-ssl-passthrough (default false): without it the ssl-passthrough annotation changes nothing (nginx.go: no TLS proxy on 443). */
  sslPassthrough?: true;
  /** --default-backend-service NAMESPACE/NAME: the Service (its first port) of the upstream-default-backend; unset: nginx's own 404 server (127.0.0.1:8181). */
  defaultBackendService?: string;
  /** --configmap NAMESPACE/NAME, $(VAR) expanded (undefined: the flag is not given, or cannot be read: see known). */
  configMap?: string;
  /** Its ConfigMap's settings Junction reads (settled once every object is read; undefined: none, or the defaults). */
  config?: NginxControllerConfig;
  /** Whether its settings are known: no --configmap (the defaults), or its ConfigMap is in the input. */
  known?: boolean;
}

/** Every field is undefined when the annotation is absent. */
export interface NginxAnnotations {
  /** Why ingress-nginx's annotation validation rejects the whole Ingress (it serves none of it), when it does. */
  rejected?: string;
  /** The annotations of the Ingress above Low risk, with their risk (1 Medium, 2 High, 3 Critical): the controller's annotations-risk-level decides whether it rejects the Ingress. */
  risky?: [string, number][];
  canary?: Canary;
  /** ssl-redirect (ingress-nginx's default: true for hosts with TLS). */
  sslRedirect?: boolean;
  /** force-ssl-redirect: redirect to HTTPS even without TLS. */
  forceSslRedirect?: boolean;
  /** preserve-trailing-slash: the redirect to HTTPS keeps a request URI's final "/" (else dropped). */
  preserveTrailingSlash?: boolean;
  redirect?: NginxRedirect;
  appRoot?: string;
  rewriteTarget?: string;
  xForwardedPrefix?: string;
  useRegex?: boolean;
  /** backend-protocol, upper-cased: HTTP, HTTPS, GRPC, GRPCS, AUTO_HTTP, FCGI. */
  backendProtocol?: string;
  upstreamVhost?: string;
  /** default-backend: a Service of the Ingress's namespace that serves a location whose Service has no endpoint. */
  defaultBackend?: string;
  connectionProxyHeader?: string;
  sslPassthrough?: boolean;
  fromToWwwRedirect?: boolean;
  /** server-alias: more server names of the Ingress's hosts (alias/main.go Parse: comma-separated, trimmed, unique, sorted). */
  serverAliases?: string[];
  cors?: NginxCors;
  /** custom-http-errors: the statuses the location's `error_page CODE = @custom_...` sends to the default backend (nginx.tmpl). */
  customHttpErrors?: number[];
  /** disable-proxy-intercept-errors: no `proxy_intercept_errors on` in the location (the backend's own error answers pass). */
  disableProxyInterceptErrors?: true;
  /** service-upstream: the upstream nginx creates for a Service port (the first Ingress naming it decides) is the Service's ClusterIP, not its endpoints. */
  serviceUpstream?: true;
  /**
   * custom-headers: the ConfigMap ("namespace/name", as written) whose data are the location's response headers
   * (customheaders/main.go Parse), with what the input holds of it (settled once every object is read): its headers, or
   * why the location is denied (a ConfigMap not found, a header name or value the parser refuses).
   */
  customHeaders?: { configMap: string; headers?: [string, string][]; problem?: string };
  /** proxy-body-size as written, when it passes the annotation's validator (parser.SizeRegex `^(?i)\d+[bkmg]?$`; else the ConfigMap's: proxy/main.go Parse). */
  proxyBodySize?: string;
  /** proxy-connect/send/read-timeout, in seconds. */
  timeouts?: { connect?: number; send?: number; read?: number };
  /** proxy-ssl-*: what a BackendTLSPolicy needs. */
  proxySsl?: { verify?: boolean; secret?: string; name?: string; serverName?: boolean };
  /**
   * proxy-redirect-from and proxy-redirect-to (neither "off", from not "default"): nginx.tmpl `proxy_redirect FROM TO;`,
   * the backend's Location and Refresh headers starting with FROM get TO instead (config.go: both "off" by default).
   */
  proxyRedirect?: { from: string; to: string };
  /** enable-global-auth (authreqglobal Parse: true unless the annotation reads as false). */
  enableGlobalAuth?: boolean;
  /** configuration-snippet and server-snippet, when set (non-empty): raw nginx configuration of the location and of the host's server. */
  snippets?: { location?: true; server?: true };
  /** Source ranges and authentication (undefined when none of their annotations is set). */
  access?: NginxAccess;
  /** Annotation keys (full) that were read into the fields above. */
  read: string[];
}

/** ingress-nginx's CORS defaults (enable-cors: "true" with nothing else set). */
export const NGINX_CORS_DEFAULTS: NginxCors = {
  allowOrigins: ["*"],
  allowMethods: ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"],
  allowHeaders: ["DNT", "Keep-Alive", "User-Agent", "X-Requested-With", "If-Modified-Since", "Cache-Control", "Content-Type", "Range", "Authorization"],
  exposeHeaders: [],
  allowCredentials: true,
  maxAge: 1728000,
};
