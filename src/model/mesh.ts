// The service-mesh part of the model: authorization and transport security as Istio and Linkerd
// configure them, lowered into the one L7 rule shape (model/l7.ts). Which pods run a proxy is
// decided from pod and namespace metadata by the engine; what each proxy enforces is here.

import type { Endpoint } from "./endpoint.js";
import type { Cidr } from "./ip.js";
import { cidrFrom } from "./ip.js";
import { escapeRegex } from "./regex.js";
import type { CidrMatch, Clause, L7Rule } from "./l7.js";
import type { LabelSelector, Labels } from "./selector.js";
import type { Path, SourceRef } from "./source.js";

/** Settings of the installed meshes (Istio meshConfig, Linkerd install values); the CLI can override them. */
export interface MeshSettings {
  /** The trust domain of workload identities (--trust-domain; Linkerd's identityTrustDomain; Istio's unless istioTrustDomain). */
  trustDomain: string;
  /** Istio meshConfig.trustDomain, when the input's ConfigMap sets it (--trust-domain replaces it): istioTrustDomainOf. */
  istioTrustDomain?: string;
  /** Istio meshConfig.trustDomainAliases: trust domains istiod treats as its own in AuthorizationPolicy principals. */
  istioTrustDomainAliases?: readonly string[];
  /** Istio's root namespace: its AuthorizationPolicies and PeerAuthentications apply to the whole mesh. */
  istioRootNamespace: string;
  /** Linkerd's cluster-wide default inbound policy (proxy.defaultInboundPolicy). */
  linkerdDefaultPolicy: LinkerdDefaultPolicy;
  /** Linkerd's clusterNetworks: the addresses "cluster-" default policies admit. */
  linkerdClusterNetworks: readonly Cidr[];
  /** The namespace of Linkerd's control plane (part of its identities). */
  linkerdNamespace: string;
  /** The policy controller's --global-egress-network-namespace: its EgressNetworks serve clients of namespaces without their own. */
  linkerdEgressNamespace: string;
  /**
   * Istio meshConfig extensionProviders by name, and whether each is an envoyExtAuthzHttp or an
   * envoyExtAuthzGrpc provider (what CUSTOM policies do depends on it); undefined: not known.
   */
  istioExtensionProviders?: Readonly<Record<string, IstioProviderKind>>;
  /** Cilium's agent option --http-normalize-path (default true): its Envoy normalizes the :path its HTTP rules match. */
  ciliumNormalizePath: boolean;
  /** Istio meshConfig pathNormalization.normalization (default BASE): the path Istio's proxies authorize. */
  istioPathNormalization: IstioPathNormalization;
  /**
   * Istio meshConfig defaultConfig.gatewayTopology.numTrustedProxies, when set: the X-Forwarded-For
   * hops an Istio gateway's Envoy trusts (its xff_num_trusted_hops) unless the pod's proxy.istio.io/config says otherwise.
   */
  istioGatewayTrustedProxies?: number;
  /** Istio meshConfig outboundTrafficPolicy.mode, when the ConfigMap sets it (unset: ALLOW_ANY; a Sidecar may replace it: engine/mesh/registry.ts). */
  istioOutboundTrafficPolicy?: IstioOutboundMode;
  /**
   * Istio meshConfig.serviceEntryVisibility.applyToSidecars (Istio 1.31): the visibility of each
   * ServiceEntry (IstioServiceEntry.visibility) also narrows its exportTo for Envoy proxies.
   */
  istioVisibilityForSidecars?: boolean;
  /**
   * Istio meshConfig.defaultHttpRetryPolicy, when set: the retries of a VirtualService route without
   * `retries` (route.go applyHTTPRouteDestination: "No VS policy set, use mesh defaults").
   */
  istioDefaultHttpRetry?: { attempts: number; perTryTimeoutMs?: number; retryOn?: string };
  /**
   * Istio meshConfig.defaultDestinationRuleExportTo holds "." (push_context.go setDestinationRules: "No
   * exportTo in destinationRule. Use the global default. We only honor . and *"): a DestinationRule
   * without exportTo is private to its namespace (l7/transport.ts istioClientRule).
   */
  istioDrPrivateDefault?: boolean;
  /**
   * istiod's PILOT_SCOPE_GATEWAY_TO_NAMESPACE (its `discovery` container's env; default false): a gateway
   * proxy takes only the networking.istio.io Gateways of its own namespace (push_context.go mergeGateways).
   */
  istioScopeGatewayToNamespace?: boolean;
  /** The time (seconds since the epoch) a proxy's jwt_authn judges a token's exp and nbf at (--now); unset: the clock when asked. */
  now?: number;
}

/** What an Istio sidecar does with a connection to a destination its registry lacks (MeshConfig.OutboundTrafficPolicy.Mode). */
export const ISTIO_OUTBOUND_MODES = ["REGISTRY_ONLY", "ALLOW_ANY", "ALLOW_ANY_DYNAMIC_DNS"] as const;
export type IstioOutboundMode = typeof ISTIO_OUTBOUND_MODES[number];

/** The trust domain of Istio's identities: meshConfig.trustDomain, else the shared one (default cluster.local). */
export const istioTrustDomainOf = (s: Pick<MeshSettings, "trustDomain" | "istioTrustDomain">) => s.istioTrustDomain ?? s.trustDomain;

export const ISTIO_PATH_NORMALIZATIONS = ["NONE", "BASE", "MERGE_SLASHES", "DECODE_AND_MERGE_SLASHES"] as const;
export type IstioPathNormalization = typeof ISTIO_PATH_NORMALIZATIONS[number];

/**
 * A Linkerd gRPC match as a regular expression over the request path. linkerd2-proxy
 * linkerd/http/route/src/grpc/match.rs MatchRpc::match_length splits the path on "/": the second
 * piece is the service, the third the method (either may be empty, further pieces are ignored; no
 * third piece: no match), each compared exactly when the match names it.
 */
const RPC_ANY = "[^/]*", RPC_REST = "(?:/.*)?";
export function linkerdRpcPathRegex(service: string | undefined, method: string | undefined): string {
  return `/${service === undefined ? RPC_ANY : escapeRegex(service)}/${method === undefined ? RPC_ANY : escapeRegex(method)}${RPC_REST}`;
}

/** The lengths of the service and method linkerdRpcPathRegex names (0: any), Linkerd's RpcMatch summary. */
export function linkerdRpcLengths(regex: string): [number, number] {
  if (!regex.endsWith(RPC_REST)) return [0, 0];
  const parts = regex.slice(0, -RPC_REST.length).split(/(?<!\\)\//).slice(1, 3);
  const length = (p: string | undefined) => (p === undefined || p === RPC_ANY ? 0 : p.replace(/\\(.)/g, "$1").length);
  return [length(parts[0]), length(parts[1])];
}

/**
 * What Linkerd's proxy compares of a route match that held (linkerd2-proxy linkerd/http/route), outbound
 * (engine/gateway/match.ts, over a route's matches) and inbound (engine/l7/linkerd.ts, over a Server's
 * lowered conditions) alike. HTTP (http/match.rs RequestMatch's Ord): the path match's length (path.rs
 * PathMatch's Ord compares only `len()`: an Exact path and a prefix of the same length tie, a prefix
 * counts without its trailing "/" and "/" as 1, a regex counts the whole request path; no path is the
 * prefix "/"), then the number of header matches, of query parameter matches, then a method match.
 * gRPC (grpc/match.rs): the service's length, the method's length, then the header matches.
 */
export type LinkerdMatchSummary =
  | { grpc: true; service: number; method: number; headers: number }
  | { grpc: false; path: number; headers: number; queries: number; method: boolean };

/** The length Linkerd's PathMatch gives a path match that held (undefined: none, the prefix "/"). */
export function linkerdPathLength(kind: "exact" | "prefix" | "regex" | undefined, value: string, requestPath: string): number {
  if (kind === "exact") return value.length;
  if (kind === "regex") return requestPath.length;
  return kind === undefined || value === "/" ? 1 : value.replace(/\/+$/, "").length;
}

/** The summary as a rank, compared element-wise, larger first. */
export function linkerdMatchRank(s: LinkerdMatchSummary): number[] {
  return s.grpc ? [s.service, s.method, s.headers] : [s.path, s.headers, s.queries, s.method ? 1 : 0];
}

/** Names of linkerdMatchRank's criteria. */
export const LINKERD_RANK_NAMES = { http: ["a longer path match (Linkerd compares lengths only)", "more header matches", "more query parameter matches", "a method match"], grpc: ["a longer service", "a longer method", "more header matches"] };

/**
 * The host part of Linkerd's route precedence, before the match (lib.rs RouteMatch's Ord; http/match/
 * host.rs HostMatch): a route without hostnames [0, 0] < a suffix ("*.example.com" counts
 * ".example.com") < an exact name, each by its length.
 */
export function linkerdHostRank(hostname: string | undefined): [number, number] {
  return hostname === undefined ? [0, 0] : hostname.startsWith("*.") ? [1, hostname.length - 1] : [2, hostname.length];
}

/** Linkerd's opaque-ports annotation, and the ports its policy controller and injector make opaque without it (--default-opaque-ports). */
export const LINKERD_OPAQUE_PORTS = "config.linkerd.io/opaque-ports";
export const LINKERD_DEFAULT_OPAQUE_PORTS: readonly number[] = [25, 587, 3306, 4444, 5432, 6379, 9300, 11211];

/**
 * A Service's ports annotation as the policy controller reads it (policy-controller/k8s/index/src/
 * ports.rs parse_portset: comma-separated ports and "LOW-HIGH" ranges, 1-65535, white space around
 * each trimmed, empty items skipped); a list it cannot parse is the empty set (ports_annotation:
 * "Invalid ports list", `Default::default()`), not the default ports.
 */
export function linkerdPortSet(text: string): Set<number> {
  const out = new Set<number>();
  const port = (s: string, min: number) => (/^\+?\d+$/.test(s.trim()) && Number(s.trim()) >= min && Number(s.trim()) <= 65535 ? Number(s.trim()) : undefined);
  for (const spec of text.split(",")) {
    const dash = spec.indexOf("-");
    if (dash < 0) {
      if (!spec.trim()) continue;
      const p = port(spec, 1);
      if (p === undefined) return new Set();
      out.add(p);
    } else {
      const [lo, hi] = [port(spec.slice(0, dash), 1), port(spec.slice(dash + 1), 1)];
      if (lo === undefined || hi === undefined || lo > hi) return new Set();
      for (let p = lo; p <= hi; p++) out.add(p);
    }
  }
  return out;
}

export const ISTIO_PROVIDER_KINDS = ["http", "grpc"] as const;
export type IstioProviderKind = typeof ISTIO_PROVIDER_KINDS[number];

export const LINKERD_DEFAULT_POLICIES = ["all-unauthenticated", "all-authenticated", "cluster-authenticated", "cluster-unauthenticated", "deny", "audit"] as const;
export type LinkerdDefaultPolicy = typeof LINKERD_DEFAULT_POLICIES[number];

/** A config.linkerd.io/default-inbound-policy value, or undefined when it is none. */
export function linkerdDefaultPolicy(value: string | undefined): LinkerdDefaultPolicy | undefined {
  return (LINKERD_DEFAULT_POLICIES as readonly string[]).includes(value ?? "") ? value as LinkerdDefaultPolicy : undefined;
}

export const DEFAULT_MESH_SETTINGS: MeshSettings = {
  trustDomain: "cluster.local",
  istioRootNamespace: "istio-system",
  linkerdDefaultPolicy: "all-unauthenticated",
  linkerdClusterNetworks: ["10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8"].map(cidrFrom),
  linkerdNamespace: "linkerd",
  linkerdEgressNamespace: "linkerd-egress",
  ciliumNormalizePath: true,
  istioPathNormalization: "BASE",
};

/**
 * The mesh settings the istiod that configures this workload's proxy reads: a pod labelled
 * istio.io/rev=REV (the injector writes the label), else in a namespace labelled so, belongs to
 * revision REV, whose istiod reads ConfigMap istio-REV (pilot/pkg/bootstrap/mesh.go
 * getMeshConfigMapName); without one, or when the input lacks that ConfigMap, the default
 * revision's (ConfigMap istio).
 */
export function istioSettingsOf(mesh: MeshModel, e: { namespace?: string; labels: Readonly<Record<string, string>> } | undefined): MeshSettings {
  if (!mesh.istioRevisions || !e) return mesh.settings;
  const rev = e.labels[ISTIO_REV_LABEL] ?? mesh.istioNamespaceRevisions?.[e.namespace ?? ""];
  const own = rev === undefined ? undefined : mesh.istioRevisions[rev];
  return own ? { ...mesh.settings, ...own } : mesh.settings;
}

export const ISTIO_REV_LABEL = "istio.io/rev";

export type MeshAction = "allow" | "deny" | "audit" | "custom";

/** A reference to the object a policy attaches to (Gateway API policy attachment). */
export interface TargetRef {
  group: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** An Istio AuthorizationPolicy (security.istio.io v1, v1beta1). */
export interface IstioAuthorization {
  kind: "AuthorizationPolicy";
  name: string;
  namespace: string;
  action: MeshAction;
  /** CUSTOM: the external authorizer (meshConfig extensionProviders name). */
  provider?: string;
  /** istio.io/dry-run: "true": evaluated and logged, never enforced. */
  dryRun: boolean;
  /** Workloads whose labels include these; undefined: every workload of the namespace (of the mesh, in the root namespace). */
  selector?: Labels;
  /** Set: the policy applies to waypoints and gateways only (sidecars and ztunnel ignore it). */
  targetRefs?: readonly TargetRef[];
  /** [] : the policy matches nothing (an ALLOW with no rules allows nothing). */
  rules: readonly L7Rule[];
  src?: SourceRef;
}

/**
 * One `jwtRules` entry of an Istio RequestAuthentication, as istiod writes it into an Envoy jwt_authn
 * provider (pilot/pkg/security/authn/policy_applier.go convertToEnvoyJwtConfig).
 */
export interface IstioJwtRule {
  /** "" : Envoy checks no issuer (extractor.cc JwtIssuerChecker: "If a specified issuer is empty, it means to allow all issuers"). */
  issuer: string;
  /** [] : any audience. */
  audiences: readonly string[];
  /** Where the token is read; all three empty: Envoy's defaults (Authorization "Bearer ", the query parameter access_token). */
  fromHeaders: readonly { name: string; prefix: string }[];
  fromParams: readonly string[];
  fromCookies: readonly string[];
  /** The inline JWKS (JSON text); with it Junction checks signatures itself. */
  jwks?: string;
  jwksUri?: string;
  /** forwardOriginalToken: false (the default): Envoy removes the header a verified token came from before the filters after it (RBAC). */
  forward: boolean;
  /** outputClaimToHeaders: headers Envoy sets from a verified token's claims (and removes from every request first). */
  claimToHeaders: readonly { header: string; claim: string }[];
  /** outputPayloadToHeader: a header Envoy sets to a verified token's payload (and removes from every request first). */
  payloadHeader?: string;
  /** Claims Envoy splits on spaces into lists for RBAC (always scope and permission: buildSpaceDelimitedClaims). */
  spaceDelimitedClaims: readonly string[];
  /** The rule's field path, for its line. */
  path: Path;
}

/** An Istio RequestAuthentication (security.istio.io v1, v1beta1): which JWTs a workload's proxy accepts. */
export interface IstioRequestAuthentication {
  kind: "RequestAuthentication";
  name: string;
  namespace: string;
  selector?: Labels;
  targetRefs?: readonly TargetRef[];
  jwtRules: readonly IstioJwtRule[];
  src?: SourceRef;
}

export type MtlsMode = "UNSET" | "STRICT" | "PERMISSIVE" | "DISABLE";

/** An Istio PeerAuthentication: which connections a workload's proxy accepts. */
export interface IstioPeerAuthentication {
  name: string;
  namespace: string;
  selector?: Labels;
  mode: MtlsMode;
  /** Per workload port (the container port), overriding `mode`. */
  ports: ReadonlyMap<number, MtlsMode>;
  /** metadata.creationTimestamp (ms since the epoch, model/time.ts): of two policies at one level the oldest applies. */
  created?: number;
  src?: SourceRef;
}

export type ClientTlsMode = "DISABLE" | "SIMPLE" | "MUTUAL" | "ISTIO_MUTUAL";

/** The TLS part of an Istio DestinationRule: what a client proxy sends to a host. */
export interface IstioClientTls {
  name: string;
  namespace: string;
  /** As written: a short name (relative to the rule's namespace), an FQDN, or a *.suffix wildcard. */
  host: string;
  mode?: ClientTlsMode;
  /** `portLevelSettings`: each port's `tls` mode (unset: none, and the rule's is not inherited). */
  ports: readonly { port: number; mode?: ClientTlsMode }[];
  /** `trafficPolicy` is set (pilot's mergeDestinationRule adopts a later rule's only where it is not). */
  hasPolicy?: boolean;
  /** Clients this rule applies to (workloadSelector), in its namespace. */
  workloadSelector?: Labels;
  /** exportTo: "*" (default), "." (its namespace only) or namespaces. */
  exportTo?: readonly string[];
  /** `subsets`: the endpoints a route destination's `subset` names, by their pods' labels (engine/mesh/virtualservice.ts), and their own `trafficPolicy`'s TLS. */
  subsets?: readonly IstioSubset[];
  /** metadata.creationTimestamp, ms since the epoch (model/time.ts compareCreated orders them). */
  created?: number;
  src?: SourceRef;
}

/** A DestinationRule subset: its labels, and its own `trafficPolicy` (`policy`: set) with its `tls` mode and `portLevelSettings`. */
export interface IstioSubset {
  name: string;
  labels: Labels;
  policy?: { mode?: ClientTlsMode; ports: readonly { port: number; mode?: ClientTlsMode }[] };
}

/**
 * The TLS mode of the cluster a client proxy builds for `port` of the rule's host, or of its `subset`
 * (pilot/pkg/networking/util/util.go MergeSubsetTrafficPolicy): the rule's policy, or its
 * portLevelSettings entry for the port, which replaces it wholesale (GetPortLevelTrafficPolicy: "port
 * level policies do not inherit and instead to defaults if not provided"); then the subset's, whose
 * `tls` (or portLevelSettings entry for the port, again wholesale: MergeTrafficPolicy's hasPortLevel)
 * overrides. Undefined: no `tls`, Istio's auto mTLS.
 */
export function istioClusterTls(rule: Pick<IstioClientTls, "mode" | "ports">, port: number | undefined, subset?: Pick<IstioSubset, "policy">): ClientTlsMode | undefined {
  const level = (p: { mode?: ClientTlsMode; ports: readonly { port: number; mode?: ClientTlsMode }[] }) => {
    const at = port === undefined ? undefined : p.ports.find((x) => x.port === port);
    return at ? { mode: at.mode, portLevel: true } : { mode: p.mode, portLevel: false };
  };
  const base = level(rule).mode;
  if (!subset?.policy) return base;
  const own = level(subset.policy);
  return own.portLevel || own.mode !== undefined ? own.mode : base;
}

/**
 * An Istio StringMatch (networking.istio.io): `exact`, `prefix` or `regex` (RE2, the whole value);
 * `present`: an empty match `{}`, or a `regex: "*"` (withoutHeaders only), which pilot turns into a
 * present match (route.go canBeConvertedToPresentMatch).
 */
export type IstioStringMatch = { kind: "exact" | "prefix" | "regex"; value: string } | { kind: "present" };

/** One `match` of a VirtualService `http` route: every condition set must hold. */
export interface IstioHttpMatch {
  name?: string;
  uri?: IstioStringMatch;
  scheme?: IstioStringMatch;
  method?: IstioStringMatch;
  authority?: IstioStringMatch;
  /** Header names lower-cased. */
  headers: readonly [string, IstioStringMatch][];
  withoutHeaders: readonly [string, IstioStringMatch][];
  queryParams: readonly [string, IstioStringMatch][];
  ignoreUriCase: boolean;
  port?: number;
  sourceLabels?: Labels;
  sourceNamespace?: string;
  /** The match's own `gateways` (empty: the VirtualService's). */
  gateways: readonly string[];
}

/** Header operations (`headers.request`/`headers.response`: set, add, remove). */
/**
 * A VirtualService's `headers` operations as pilot writes them (route.go TranslateHeadersOperations): the
 * pseudo-headers and Host left out of set, add and remove (translateAppendHeaders, dropInternal); a
 * request's `:authority` or `Host` (`set` before `add`) is `authority`, a host rewrite.
 */
export interface IstioHeaderOps {
  request: { set: readonly [string, string][]; add: readonly [string, string][]; remove: readonly string[]; authority?: string };
  response: { set: readonly [string, string][]; add: readonly [string, string][]; remove: readonly string[] };
}

/** A route destination: `host` as written resolved to a FQDN (pilot's ResolveShortnameToFQDN), lower-cased. */
export interface IstioDestination {
  host: string;
  subset?: string;
  port?: number;
  /** As written (0 when unset). */
  weight: number;
  headers?: IstioHeaderOps;
}

/** Istio's fault injection percentage: a number from 0 to 100 (unset: 100, Envoy's default). */
export interface IstioFault {
  abort?: { httpStatus?: number; grpcStatus?: string; percent: number };
  delay?: { fixedDelayMs: number; percent: number };
}

/**
 * A route's `corsPolicy` as pilot writes it for Envoy's CORS filter (route.go TranslateCORSPolicy):
 * `allowOrigins` (else the deprecated exact `allowOrigin` strings) as StringMatchers, the lists joined
 * with ",", `maxAge` in whole seconds; `forward` false for `unmatchedPreflights: IGNORE`
 * (forwardNotMatchingPreflights; FORWARD, the default, true).
 */
export interface IstioCors {
  allowOrigins: readonly IstioStringMatch[];
  allowMethods: readonly string[];
  allowHeaders: readonly string[];
  exposeHeaders: readonly string[];
  maxAgeSeconds?: number;
  allowCredentials?: boolean;
  forward: boolean;
}

/** One `http` route of a VirtualService, `index` its place. */
export interface IstioHttpRoute {
  index: number;
  name?: string;
  /** Empty: every request. */
  matches: readonly IstioHttpMatch[];
  route: readonly IstioDestination[];
  redirect?: { uri?: string; authority?: string; port?: number; derivePort?: "FROM_PROTOCOL_DEFAULT" | "FROM_REQUEST_PORT"; scheme?: string; redirectCode: number; prefixRewrite?: string };
  directResponse?: { status: number; body?: string };
  delegate?: { name: string; namespace?: string };
  rewrite?: { uri?: string; authority?: string; uriRegex?: { match: string; rewrite: string } };
  timeoutMs?: number;
  retries?: { attempts: number; perTryTimeoutMs?: number; retryOn?: string };
  fault?: IstioFault;
  mirrors: readonly { host: string; subset?: string; port?: number; percent: number }[];
  headers?: IstioHeaderOps;
  cors?: IstioCors;
}

/**
 * One match of a `tcp` route (L4MatchAttributes) or a `tls` route (TLSMatchAttributes, with `sniHosts`):
 * `port`, `sourceLabels`, `sourceNamespace` and `gateways` decide which proxies get it (tls.go matchTCP,
 * matchTLS), `destinationSubnets` and `sniHosts` which connections (the filter chain's match).
 */
export interface IstioL4Match {
  port?: number;
  sourceLabels?: Labels;
  sourceNamespace?: string;
  gateways: readonly string[];
  destinationSubnets: readonly Cidr[];
  /** TLS routes only: lower-cased, `*.` wildcards as written. */
  sniHosts: readonly string[];
}

/** A `tcp` or `tls` route of a VirtualService: its matches (empty: every connection) and weighted destinations. */
export interface IstioL4Route {
  index: number;
  matches: readonly IstioL4Match[];
  route: readonly IstioDestination[];
}

/**
 * A user's VirtualService (networking.istio.io): `hosts` resolved to FQDNs (short names relative to
 * its namespace) and lower-cased, `gateways` as written (empty: "mesh" only), its `http` routes; its
 * `tcp` and `tls` routes are counted, not read.
 */
export interface IstioVirtualService {
  name: string;
  namespace: string;
  hosts: readonly string[];
  gateways: readonly string[];
  exportTo?: readonly string[];
  http: readonly IstioHttpRoute[];
  /** `tcp` and `tls` routes (engine/mesh/virtualservice-l4.ts). */
  tcp: readonly IstioL4Route[];
  tls: readonly IstioL4Route[];
  created?: number;
  /** Position in the input (the creation order when timestamps are absent). */
  order: number;
  src?: SourceRef;
}

/** A classic Istio Gateway server's TLS mode (networking/v1alpha3 ServerTLSSettings.TLSmode; unset: PASSTHROUGH, the enum's zero). */
export type IstioServerTlsMode = "PASSTHROUGH" | "SIMPLE" | "MUTUAL" | "AUTO_PASSTHROUGH" | "ISTIO_MUTUAL" | "OPTIONAL_MUTUAL";

/**
 * One server of a classic Istio Gateway (networking.istio.io Gateway, not the Gateway API's): the
 * port a client dials (the number of the Service port in front of the gateway's pods), its protocol
 * (upper-cased: HTTP, HTTPS, HTTP2, GRPC, TLS, TCP, ...), and the hosts it exposes as written
 * (`ns/host`, `./host` (the Gateway's namespace), a `*`-namespaced one or `host`: the namespaces whose
 * VirtualServices may bind them; engine/mesh/istio-gateway.ts reads them as pilot's
 * sanitizeServerHostNamespace does).
 */
export interface IstioGatewayServer {
  index: number;
  name?: string;
  port: { number: number; protocol: string; name: string };
  hosts: readonly string[];
  bind?: string;
  tls?: { mode: IstioServerTlsMode; httpsRedirect: boolean; credentialName?: string };
}

/** pkg/config/protocol Instance IsHTTP, IsTLS (of a protocol as Parse spells it, upper-cased). */
export const isHttpProtocol = (p: string): boolean => ["HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-WEB"].includes(p);
export const isTlsProtocol = (p: string): boolean => p === "HTTPS" || p === "TLS";

/**
 * A classic Istio Gateway (networking.istio.io v1/v1beta1/v1alpha3 Gateway, sources/istio/gateway.ts):
 * the gateway pods its `selector` picks (in any namespace: pilot's mergeGateways reads every Gateway
 * for a proxy unless PILOT_SCOPE_GATEWAY_TO_NAMESPACE; no selector: every gateway proxy) and its
 * servers; VirtualServices bind to it by `gateways: [ns/name]`.
 */
export interface IstioClassicGateway {
  name: string;
  namespace: string;
  /** Undefined: no selector (pilot applies the Gateway to every gateway proxy). */
  selector?: Labels;
  servers: readonly IstioGatewayServer[];
  created?: number;
  order: number;
  src?: SourceRef;
}

/**
 * An Istio ServiceEntry (networking.istio.io): hosts, addresses and ports added to the service
 * registry of the Istio proxies of the namespaces it is exported to (engine/mesh/registry.ts).
 */
export interface IstioServiceEntry {
  name: string;
  namespace: string;
  labels: Labels;
  /** Lower-cased FQDNs, or `*.suffix` wildcards. */
  hosts: readonly string[];
  /** IPs (as /32 or /128) and CIDRs. */
  addresses: readonly Cidr[];
  ports: readonly { number: number; name: string; protocol?: string; targetPort?: number }[];
  location: "MESH_EXTERNAL" | "MESH_INTERNAL";
  resolution: "NONE" | "STATIC" | "DNS" | "DNS_ROUND_ROBIN" | "DYNAMIC_DNS";
  /** Pods of its namespace (and WorkloadEntries) that are its endpoints. */
  workloadSelector?: Labels;
  endpoints: readonly { address: string; ports?: Readonly<Record<string, number>> }[];
  exportTo?: readonly string[];
  /**
   * Its visibility under meshConfig.serviceEntryVisibility (Istio 1.31; undefined: PUBLIC, as without
   * it): NAMESPACE, seen by the clients of its own namespace only; NONE, by no proxy.
   */
  visibility?: "NAMESPACE" | "NONE";
  created?: number;
  src?: SourceRef;
}

/**
 * A WorkloadEntry (networking.istio.io): a VM or other non-pod workload a ServiceEntry's
 * workloadSelector selects in its namespace, as it selects pods (serviceentry controller,
 * ambient/workloads.go workloadEntryWorkloadBuilder). `address` as written: an IP (then `endpoint`,
 * the inventory's endpoint at it, which the network policies judge), a host name (a DNS entry
 * resolves it), or empty (an endpoint behind the gateway of `network`).
 */
export interface IstioWorkloadEntry {
  name: string;
  namespace: string;
  labels: Labels;
  address: string;
  /** Its ports by the ServiceEntry port name they serve (conversion.go: "we.ports > se.port.targetPort > se.port.number"). */
  ports: Readonly<Record<string, number>>;
  network?: string;
  weight?: number;
  serviceAccount?: string;
  endpoint?: Endpoint;
  src?: SourceRef;
}

/**
 * A host of a Sidecar egress listener, `namespace/dnsName` (pilot/pkg/model/sidecar.go
 * convertIstioListenerToWrapper): `namespace` is a namespace, `*` (any) or `.` (kept as written: it
 * stands for the namespace of the proxy the Sidecar configures); `excluded` for a `~`-prefixed
 * namespace (`~/*` and `~ns/host` remove what they match; a bare `~` is any namespace).
 */
export interface IstioEgressHost { namespace: string; host: string; excluded: boolean }

/** A Sidecar egress listener: the hosts it imports, at its port (a port-limited listener) or at every port. */
export interface IstioEgressListener {
  port?: { number: number; protocol?: string };
  /** `bind`, or captureMode NONE (which binds to localhost): the listener takes no connection captured for a Service's address. */
  bound?: string;
  hosts: readonly IstioEgressHost[];
}

/** What Junction reads of an Istio Sidecar resource: whom it configures, its egress listeners and its outboundTrafficPolicy. */
export interface IstioSidecar {
  name: string;
  namespace: string;
  workloadSelector?: Labels;
  /** spec.egress when set; else the default scope: every host exported to the namespace. */
  egress?: readonly IstioEgressListener[];
  outboundTrafficPolicy?: IstioOutboundMode;
  created?: number;
  src?: SourceRef;
}

/** A Linkerd Server: a port of selected pods, with its protocol and the default for unauthorized traffic. */
export interface LinkerdServer {
  name: string;
  namespace: string;
  labels: Labels;
  podSelector: LabelSelector;
  port: number | string;
  protocol: "unknown" | "HTTP/1" | "HTTP/2" | "gRPC" | "opaque" | "TLS";
  /** accessPolicy: what clients no authorization names get (default: deny). */
  accessPolicy?: LinkerdDefaultPolicy;
  /** metadata.creationTimestamp, ms since the epoch (model/time.ts compareCreated orders them). */
  created?: number;
  src?: SourceRef;
}

/** What a Linkerd authorization applies to. */
export type LinkerdTarget =
  | { kind: "Server"; name: string }
  | { kind: "ServerSelector"; selector: LabelSelector }
  | { kind: "Namespace" }
  | { kind: "Route"; routeKind: "HTTPRoute" | "GRPCRoute"; group: string; name: string };

/**
 * A Linkerd AuthorizationPolicy or (deprecated) ServerAuthorization: the clients its `clients` rule
 * matches may use the target. `ignored` says why Linkerd's policy controller drops it.
 */
export interface LinkerdAuthorization {
  kind: "AuthorizationPolicy" | "ServerAuthorization";
  name: string;
  namespace: string;
  target: LinkerdTarget;
  /** One rule with `from` clauses only (identity and network conditions). */
  clients: L7Rule;
  /** The clients must also come from the cluster networks (a ServerAuthorization without networks). */
  clusterNetworks?: boolean;
  ignored?: string;
  src?: SourceRef;
}

/** An HTTPRoute or GRPCRoute (policy.linkerd.io or gateway.networking.k8s.io) attached to Linkerd Servers. */
export interface LinkerdRoute {
  kind: "HTTPRoute" | "GRPCRoute";
  group: string;
  name: string;
  namespace: string;
  /** Names of the Servers (in the route's namespace) it attaches to. */
  servers: readonly string[];
  hostnames: readonly string[];
  /** Each rule's matches (ORed); a rule without matches matches every request. */
  rules: readonly { index: number; matches: readonly Clause[] }[];
  /** metadata.creationTimestamp, ms since the epoch (model/time.ts compareCreated orders them). */
  created?: number;
  src?: SourceRef;
}

/**
 * A Linkerd EgressNetwork (policy.linkerd.io/v1alpha1): addresses outside the cluster's Services that
 * meshed clients reach through it, its routes (parentRefs naming it) and, for what no route takes,
 * its trafficPolicy.
 */
export interface LinkerdEgressNetwork {
  name: string;
  namespace: string;
  /** spec.networks; unset: every address outside the cluster networks (engine/mesh/egress.ts). */
  networks?: readonly CidrMatch[];
  trafficPolicy: "Allow" | "Deny";
  /** Its annotations (config.linkerd.io/opaque-ports). */
  annotations: Readonly<Record<string, string>>;
  /** metadata.creationTimestamp, ms since the epoch (model/time.ts compareCreated orders them). */
  created?: number;
  src?: SourceRef;
}

/** The Istio fields of MeshSettings a revision's istiod reads from its own ConfigMap (istio-REV). */
export type IstioRevisionSettings = Pick<MeshSettings, "istioRootNamespace" | "istioExtensionProviders" | "istioPathNormalization" | "istioTrustDomain" | "istioTrustDomainAliases" | "istioOutboundTrafficPolicy" | "istioGatewayTrustedProxies" | "istioDefaultHttpRetry" | "istioDrPrivateDefault">;

export interface MeshModel {
  settings: MeshSettings;
  /**
   * Istio revisions whose istiod's ConfigMap istio-REV the input holds (sources/istio/meshconfig.ts),
   * and the revision label istio.io/rev of each namespace that has one: istioSettingsOf.
   */
  istioRevisions?: Record<string, IstioRevisionSettings>;
  istioNamespaceRevisions?: Record<string, string>;
  istio: {
    authorizations: IstioAuthorization[];
    requestAuthentications: IstioRequestAuthentication[];
    peerAuthentications: IstioPeerAuthentication[];
    clientTls: IstioClientTls[];
    /** The users' VirtualServices (sources/istio/virtualservice.ts), in input order. */
    virtualServices: IstioVirtualService[];
    /** The classic networking.istio.io Gateways (sources/istio/gateway.ts), in input order. */
    gateways: IstioClassicGateway[];
    serviceEntries: IstioServiceEntry[];
    workloadEntries: IstioWorkloadEntry[];
    sidecars: IstioSidecar[];
    /** Pods ("namespace/name") whose proxy.istio.io/config sets gatewayTopology.numTrustedProxies (sources/istio/proxyconfig.ts). */
    gatewayTrustedProxies?: Map<string, number>;
  };
  linkerd: {
    servers: LinkerdServer[];
    authorizations: LinkerdAuthorization[];
    routes: LinkerdRoute[];
    egressNetworks: LinkerdEgressNetwork[];
  };
}

export function emptyMeshModel(): MeshModel {
  return {
    settings: { ...DEFAULT_MESH_SETTINGS },
    istio: { authorizations: [], requestAuthentications: [], peerAuthentications: [], clientTls: [], virtualServices: [], gateways: [], serviceEntries: [], workloadEntries: [], sidecars: [] },
    linkerd: { servers: [], authorizations: [], routes: [], egressNetworks: [] },
  };
}
