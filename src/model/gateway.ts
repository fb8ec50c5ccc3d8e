// The Gateway API graph: GatewayClass → Gateway → listeners ← routes → backends, the
// ReferenceGrants that allow cross-namespace references, and the TLS material status needs.

import type { Cidr } from "./ip.js";
import type { NginxServerNames } from "./nginx-server-name.js";
import type { NginxControllerConfig } from "./nginx.js";
import type { LabelSelector } from "./selector.js";
import type { CorsPolicy, ObjectMeta, ObjectRef, Route } from "./route.js";
import type { SourceRef } from "./source.js";

export interface GatewayClass {
  name: string;
  controllerName: string;
  generation: number;
  parametersRef?: ObjectRef;
  manifest?: Record<string, unknown>;
  src?: SourceRef;
}

export type ListenerProtocol = "HTTP" | "HTTPS" | "TLS" | "TCP" | "UDP";
export const LISTENER_PROTOCOLS: readonly ListenerProtocol[] = ["HTTP", "HTTPS", "TLS", "TCP", "UDP"];

export interface AllowedRoutes {
  namespaces: { from: "All" | "Same" | "Selector"; selector?: LabelSelector };
  /** Unset: every route kind the protocol supports. */
  kinds?: { group: string; kind: string }[];
}

export interface Listener {
  name: string;
  port: number;
  /** Any string the API accepts; only LISTENER_PROTOCOLS are supported. */
  protocol: string;
  hostname?: string;
  /**
   * defaultCertificate: a listener of a Gateway standing for an ingress-nginx class, which terminates TLS with the
   * controller's default certificate when no certificate reference resolves (controller.go createServers: "Using
   * default certificate"; every server block listens on 443, template.go buildHTTPSListener).
   */
  tls?: { mode: "Terminate" | "Passthrough"; certificateRefs: ObjectRef[]; defaultCertificate?: true };
  allowedRoutes: AllowedRoutes;
}

export interface GatewayAddress { type: string; value?: string }

/** Client certificate validation of the connections a Gateway terminates (spec.tls.frontend). */
export interface FrontendValidation {
  caCertificateRefs: ObjectRef[];
  mode: "AllowValidOnly" | "AllowInsecureFallback";
}

/** spec.allowedListeners.namespaces: which ListenerSets may attach (the API default: none). */
export interface AllowedListeners { from: "All" | "Same" | "Selector" | "None"; selector?: LabelSelector }

export interface Gateway extends ObjectMeta {
  className: string;
  listeners: Listener[];
  allowedListeners: AllowedListeners;
  addresses: GatewayAddress[];
  /** status.addresses[].value when the object carries a status (a live dump); undefined: no status (a manifest). */
  statusAddresses?: string[];
  infrastructure?: { parametersRef?: { group: string; kind: string; name: string } };
  /** A Gateway standing for an ingress-nginx class: its server names that are no Ingress host (server-alias wildcards and regular expressions; model/nginx-server-name.ts). */
  nginxServerNames?: NginxServerNames;
  /** A Gateway standing for a class ingress-nginx serves: its ConfigMap's header name settings (engine/gateway/http.ts nginxHeaderNames; {}: the defaults). */
  nginxHeaderNames?: Pick<NginxControllerConfig, "underscoresInHeaders" | "keepInvalidHeaders">;
  /**
   * A Gateway standing for an ingress-nginx class with HSTS on (config.go default): lua_ingress.lua header() sets
   * Strict-Transport-Security `value` on an HTTPS answer when a certificate is configured for the Host (certificate.lua:
   * the name in `hosts`, or it with its first label "*").
   */
  nginxHsts?: { value: string; hosts: readonly string[] };
  /**
   * A Gateway standing for an ingress-nginx class: the names its certificate servers hold (nginx.go configureCertificates:
   * each host with a certificate, the aliases the certificate is valid for), which lua_ingress.lua's ssl-redirect asks of
   * the request's host (model/nginx-server-name.ts nginxCertificateFor).
   */
  nginxCertificates?: readonly string[];
  tls?: {
    /** The certificate the Gateway presents to backends (spec.tls.backend.clientCertificateRef). */
    backendClientCertificate?: ObjectRef;
    frontendDefault?: FrontendValidation;
    frontendPerPort: { port: number; validation: FrontendValidation }[];
  };
}

/** ListenerSet: listeners another team adds to a Gateway (merged after the Gateway's own). */
export interface ListenerSet extends ObjectMeta {
  parentRef: { group: string; kind: string; namespace: string; name: string };
  listeners: Listener[];
}

export interface ReferenceGrant {
  namespace: string;
  name: string;
  from: { group: string; kind: string; namespace: string }[];
  /** name unset: every object of that kind in the grant's namespace. */
  to: { group: string; kind: string; name?: string }[];
  src?: SourceRef;
}

/** A Secret or ConfigMap holding certificates, read as far as status and TLS checks need it. */
export interface TlsMaterial {
  kind: "Secret" | "ConfigMap";
  namespace: string;
  name: string;
  /**
   * A Secret's data without tls.crt (decoded), for Envoy Gateway's SecurityPolicy: basicAuth's
   * `.htpasswd`, apiKeyAuth's client ids and keys. Never printed.
   */
  data?: Record<string, string>;
  /** PEM certificates found (tls.crt, or ca.crt for CA bundles). */
  certificates: string[];
  /**
   * A Secret's ca.crt, when it has that key: its PEM certificates ([] when one does not parse or there is none), what
   * ingress-nginx verifies client certificates against (backend_ssl.go getPemCertificate: `ca := secret.Data["ca.crt"]`).
   */
  caCertificates?: string[];
  /** A Secret's tls.key (PEM), for data planes that serve the certificate (the nginx target); never printed. */
  privateKey?: string;
  /** Why the material is unusable as a serving certificate or CA bundle, if it is. */
  problem?: string;
  /**
   * A ConfigMap's body for an Envoy Gateway responseOverride (getCustomResponseBody): the byte size of
   * data["response.body"] when it is there, else of every data value (it reads the first a Go map
   * range gives, any of them); none: no data.
   */
  bodyBytes?: number[];
  /**
   * What Envoy Gateway's validateAndGetDataAtKeyInRef reads of the object (getFirstMatchOrFirstFromData: the
   * key asked for, else the only entry; a ConfigMap's data, a Secret's data and stringData): how many entries
   * it has, whether ca.crt is one, the value of ca.crl (a CRL), and the only entry's value when there is one
   * entry (kept when it holds PEM, else "-" for a value that is not; "" when empty). Values over 1 MiB are not kept.
   */
  refData?: { entries: number; caCrt: boolean; caCrl?: string; sole?: string };
}

/** BackendTLSPolicy: TLS from the Gateway to a Service (hostname = SNI and the name verified). */
export interface BackendTlsPolicy extends ObjectMeta {
  targets: { group: string; kind: string; name: string; sectionName?: string }[];
  hostname: string;
  /** CA bundles that verify the backend's certificate; or the system's ("System"). */
  caCertificateRefs: ObjectRef[];
  wellKnownCACertificates?: string;
  /** When set, the backend's certificate must carry one of these names (and `hostname` is only the SNI). */
  subjectAltNames?: SubjectAltName[];
}

export type SubjectAltName = { type: "Hostname"; hostname: string } | { type: "URI"; uri: string };

/**
 * Envoy Gateway's BackendTrafficPolicy (gateway.envoyproxy.io/v1alpha1), as far as it changes the answer
 * a request gets from a Gateway of that controller (engine/gateway/traffic-policy.ts).
 */
/**
 * A BackendTrafficPolicy's spec.retry (api/v1alpha1 Retry; gatewayapi clustersettings.go buildRetry):
 * numRetries (the CRD's default 2), retryOn's triggers and httpStatusCodes as written (each undefined
 * when absent: buildRetry keeps a RetryOn only when one of them is non-nil), perRetry.timeout and
 * backOff.baseInterval in ms.
 */
export interface TrafficPolicyRetry { numRetries: number; triggers?: string[]; httpStatusCodes?: number[]; perTryMs?: number; backoffMs?: number }

export interface BackendTrafficPolicy extends ObjectMeta {
  /** spec.targetRefs (in the policy's namespace): Gateway (a listener with sectionName) or a route kind (a rule with sectionName). */
  targets: { group: string; kind: string; name: string; sectionName?: string }[];
  /** spec.targetSelectors: the objects of a kind whose labels match, in the policy's namespace unless `namespaces` says otherwise (another namespace: with a ReferenceGrant). */
  selectors: { group: string; kind: string; labels: LabelSelector; namespaces: { from: "Same" | "All" | "Selector"; selector?: LabelSelector } }[];
  /** spec.mergeType: the policy merges into its Gateway's (or listener's) instead of replacing it. */
  mergeType?: "StrategicMerge" | "JSONMerge";
  /** spec.faultInjection.abort; `percentage` as the API server defaults it (100). */
  abort?: FaultAbort;
  rateLimit?: RateLimitSummary;
  /** What Envoy Gateway cannot translate in the features other than rateLimit (buildTrafficFeatures): the policy's HTTP routes answer 500. */
  errors: TranslationError[];
  /** spec.responseOverride's bodies of type ValueRef: the ConfigMaps (in the policy's namespace) Envoy Gateway reads them from; one not in the input: 500. */
  responseBodies?: string[];
  /** spec.timeout.tcp.connectTimeout in ms, when set: the connect_timeout of its routes' clusters (0: Envoy's Cluster validation refuses it). */
  connectTimeout?: number;
  /** spec.timeout is set (even without tcp.connectTimeout): a TCP route's whole timeout comes from the most specific policy that sets one. */
  timeoutSet?: boolean;
  /** spec.healthCheck, when set: its panicThreshold (0-100; unset: Envoy's default, 50) is the cluster's healthy_panic_threshold, 0 disables panic mode. */
  healthCheck?: { panicThreshold?: number };
  /** spec.retry: the HTTP routes' retry policy where the rule has none of its own (model/route.ts envoyGatewayRuleTiming). */
  retry?: TrafficPolicyRetry;
  /** spec.timeout.http.requestTimeout in ms: the HTTP routes' timeout where the rule sets none (xds translator route.go getEffectiveRequestTimeout). */
  requestTimeout?: number;
  /** The deprecated fields it sets ("spec.targetRef", "spec.compression"): a Warning condition on its ancestors. */
  deprecatedFields?: string[];
  /**
   * The features it sets that change how or when a backend is reached, not the answer Junction gives
   * (faultInjection.delay, loadBalancer, circuitBreaker, active and passive health checks), in words: named
   * in explanations.
   */
  aside?: string[];
  /** spec.responseOverride (ResponseOverride), in order: custom_response's rules (ResponseOverrideRule). */
  responseOverrides?: ResponseOverrideRule[];
  /** circuitBreaker.maxParallelRequests and maxPendingRequests, where set (the cluster's max_requests and max_pending_requests). */
  circuitBreaker?: CircuitBreakerLimits;
}

/** Envoy's circuit breaker thresholds Envoy Gateway writes (cluster.go buildXdsClusterCircuitBreaker) that can refuse a request. */
export interface CircuitBreakerLimits { maxParallelRequests?: number; maxPendingRequests?: number }

/**
 * One responseOverride entry as Envoy Gateway writes it for the custom_response filter (translator
 * custom_response.go): the status codes it matches (any; a value or a range), whether it also matches
 * response headers, its source (All unless Local or Backend: buildLocalReplyPredicate), and what it
 * answers: response.statusCode (unset: the status stays) or a redirect (redirect_policy).
 */
export interface ResponseOverrideRule {
  index: number;
  codes: ({ value: number } | { start: number; end: number })[];
  headers: boolean;
  source: "All" | "Local" | "Backend";
  statusCode?: number;
  redirect?: true;
}

/** A SecurityPolicy's authorization rule (api/v1alpha1/authorization_types.go AuthorizationRule). */
export interface AuthorizationRule {
  /** name, or Envoy Gateway's "securitypolicy/NS/NAME/rule/N" (defaultAuthorizationRuleName). */
  name: string;
  index: number;
  action: "Allow" | "Deny";
  /** operation.methods (any of them; Envoy matches :method case-insensitively) and operation.path (PathPrefix by default). */
  methods: string[];
  path?: { type: "Exact" | "PathPrefix" | "RegularExpression"; value: string; invert: boolean };
  /** principal.clientCIDRs (net.ParseCIDR's networks): any of them, the client address Envoy reads. */
  clientCIDRs: Cidr[];
  /** principal.headers: every header, any of its values (exact, the header's values joined with ","). */
  headers: { name: string; values: string[] }[];
  /** principal.jwt: the token's claims and scopes (provider's). */
  jwt?: { provider: string; claims: { name: string; valueType: "String" | "StringArray"; values: string[] }[]; scopes: string[] };
  /** Parts Junction does not evaluate (cel, clientIPGeoLocations): the rule's match is unknown. */
  unevaluated?: string;
}

/**
 * A SecurityPolicy jwt provider (api/v1alpha1/jwt_types.go JWTProvider) as Envoy Gateway writes it
 * (internal/xds/translator/jwt.go buildJWTProvider): issuer and audiences ("" and []: any), where the
 * token is read (extractFrom; none: `Authorization: Bearer` and `access_token`), the keys (localJWKS
 * inline text; a localJWKS valueRef's ConfigMap and the text it gives; remoteJWKS's uri),
 * claimToHeaders, recomputeRoute (clear_route_cache).
 */
export interface EnvoyGatewayJwtProvider {
  name: string;
  issuer: string;
  audiences: string[];
  extractFrom?: { headers: { name: string; prefix: string }[]; cookies: string[]; params: string[] };
  jwks?: string;
  jwksConfigMap?: string;
  /**
   * The ConfigMap's text when it is in the input (buildLocalJWKS): its `jwks` key's value, else each of its
   * data values (Envoy Gateway takes the first a Go map range gives: any), by key; [] without data.
   */
  jwksConfigMapValues?: string[];
  jwksUri?: string;
  claimToHeaders: { header: string; claim: string }[];
  recomputeRoute: boolean;
}

/**
 * Envoy Gateway's SecurityPolicy (gateway.envoyproxy.io/v1alpha1, envoyproxy/gateway v1.9.0
 * api/v1alpha1/securitypolicy_types.go), as far as it changes the answer a request gets: the
 * authentication filters (apiKeyAuth, basicAuth, jwt, extAuth, oidc) and authorization (RBAC).
 */
export interface SecurityPolicy extends ObjectMeta {
  targets: BackendTrafficPolicy["targets"];
  selectors: BackendTrafficPolicy["selectors"];
  mergeType?: "StrategicMerge" | "JSONMerge";
  authorization?: { defaultAction: "Allow" | "Deny"; rules: AuthorizationRule[] };
  /** basicAuth.users: the Secret (namespace defaults to the policy's) whose `.htpasswd` holds {SHA} users. */
  basicAuth?: { users: { namespace: string; name: string }; forwardUsernameHeader?: string };
  /** apiKeyAuth: the Secrets of client ids and keys, and where the key is read from (the first source that has one). */
  apiKeyAuth?: { credentialRefs: { namespace: string; name: string }[]; extractFrom: { headers: string[]; params: string[]; cookies: string[] }[]; forwardClientIDHeader?: string; sanitize?: true };
  /** jwt: optional (allow_missing), failOpen (allow_missing_or_failed), the providers (Envoy JwtProviders). */
  jwt?: { optional: boolean; failOpen: boolean; providers: EnvoyGatewayJwtProvider[] };
  /** extAuth: the external authorization service decides (failOpen when it cannot be reached). */
  extAuth?: { failOpen: boolean; service: string; grpc?: true; statusOnError?: number; backends?: { group: string; kind: string; namespace: string; name: string; port?: number }[] };
  /**
   * oidc: a request without a session is redirected to the provider; passThroughAuthHeader lets one
   * that carries a header its jwt providers read through to them; denyRedirect's header matches answer
   * 401 instead of the redirect.
   */
  oidc?: { provider: string; passThroughAuthHeader: boolean; denyRedirect: { name: string; type: "Exact" | "Prefix" | "Suffix" | "RegularExpression"; value: string }[] };
  /**
   * cors (api/v1alpha1 CORS; securitypolicy.go buildCORS): allowOrigins as written (one with "*" is a
   * regular expression, each "*" any text: wildcard2regex; else exact), the rest as a route's CORS filter.
   */
  cors?: CorsPolicy;
  /**
   * csrf (api/v1alpha1 CSRF; securitypolicy.go buildCSRF): additionalOrigins as host[:port] (the scheme
   * dropped: originHostAndPort; with "*": wildcard2regex), shadowFraction (0..1: the share of requests
   * only counted, not refused).
   */
  csrf?: { additionalOrigins: string[]; shadow: number };
  /** What Envoy Gateway cannot translate in it (buildAuthorization): its HTTP routes answer 500. */
  errors: string[];
  /**
   * validateSecurityPolicy's error, checked where the policy targets an HTTPRoute or GRPCRoute
   * ("invalid SecurityPolicy: ..."), and validateSecurityPolicyForTCP's, where it targets a TCPRoute
   * ("invalid SecurityPolicy for TCP route: ..."): the policy is not translated there at all.
   */
  invalid?: string;
  tcpInvalid?: string;
  /** Features read but not modelled: named in explanations (none now). */
  unmodelled: string[];
}

/**
 * Envoy Gateway's ClientTrafficPolicy (gateway.envoyproxy.io/v1alpha1), as far as it changes the answer
 * a request gets: the client address Envoy reads (clientIPDetection, proxy protocol), which a rate
 * limit's sourceCIDR matches, and the 403 a failClosed custom header gives (engine/gateway/client-policy.ts).
 */
/** ClientTrafficPolicy path.escapedSlashesAction (api/v1alpha1 PathEscapedSlashAction; Envoy's path_with_escaped_slashes_action). */
export type EscapedSlashesAction = "KeepUnchanged" | "RejectRequest" | "UnescapeAndForward" | "UnescapeAndRedirect";
export const ESCAPED_SLASHES_ACTIONS: readonly EscapedSlashesAction[] = ["KeepUnchanged", "RejectRequest", "UnescapeAndForward", "UnescapeAndRedirect"];

/** One early header mutation rule (Envoy's header_mutation HeaderMutation: append with its append action, remove, remove_on_match). */
export type EarlyHeaderMutation =
  | { op: "append" | "overwrite" | "addIfAbsent"; name: string; value: string }
  | { op: "remove"; name: string }
  | { op: "removeOnMatch"; type: "Exact" | "Prefix" | "Suffix" | "RegularExpression"; value: string };

/** ClientTrafficPolicy headers.withUnderscoresAction (api/v1alpha1 WithUnderscoresAction; Envoy's headers_with_underscores_action). */
export type WithUnderscoresAction = "Allow" | "RejectRequest" | "DropHeader";
export const WITH_UNDERSCORES_ACTIONS: readonly WithUnderscoresAction[] = ["Allow", "RejectRequest", "DropHeader"];

export interface ClientTrafficPolicy extends ObjectMeta {
  /** spec.targetRefs (or the deprecated targetRef), in the policy's namespace: Gateway or ListenerSet, a listener with sectionName. */
  targets: BackendTrafficPolicy["targets"];
  /** spec.targetSelectors: the Gateways (or ListenerSets) whose labels match. */
  selectors: BackendTrafficPolicy["selectors"];
  /**
   * spec.clientIPDetection (exactly one of its fields, a CEL rule): xForwardedFor's numTrustedHops or
   * trustedCIDRs (net.ParseCIDR's networks), customHeader's name and failClosed, or directSourceIP.
   * xForwardedFor's disableXForwardedForAppend: Envoy does not append its peer to X-Forwarded-For (`noAppend`).
   */
  clientIP?: { xff?: { hops?: number; trusted?: Cidr[]; noAppend?: true }; header?: { name: string; failClosed: boolean }; direct?: true };
  /** spec.proxyProtocol (or the deprecated enableProxyProtocol: true): the listener reads a PROXY protocol header; `optional`: connections without one are accepted. */
  proxyProtocol?: { optional: boolean };
  /** spec.path (PathSettings): escapedSlashesAction and disableMergeSlashes, where set (translatePathSettings leaves the listener's defaults otherwise). */
  path?: { escapedSlashesAction?: EscapedSlashesAction; disableMergeSlashes?: boolean };
  /**
   * What Envoy Gateway cannot translate in it (translateClientTrafficPolicyForListener), by the listeners
   * that get it: every one (`errors`), HTTP and HTTPS ones (`httpErrors`), those that terminate TLS
   * (`tlsErrors`). An HTTP listener's routes answer 500; a TCP or TLS listener's are removed.
   */
  errors: string[];
  httpErrors: string[];
  tlsErrors: string[];
  /**
   * headers.withUnderscoresAction (the CRD's enum), where written: what Envoy's codec does with a request
   * header whose name holds "_" (Envoy Gateway's default, with or without the field, is RejectRequest).
   */
  withUnderscoresAction?: WithUnderscoresAction;
  /**
   * headers.earlyRequestHeaders as Envoy Gateway writes it (translateHeaderModifier, then
   * buildHeaderMutationRules: the add, set and addIfAbsent entries (the first of a name), then the
   * removes, then removeOnMatch): Envoy's early header mutation, in this order, before routing.
   */
  earlyHeaders?: EarlyHeaderMutation[];
  /** headers.host.stripTrailingHostDot: true (listener.go: the HCM's strip_trailing_host_dot): "example.com." is matched as "example.com". */
  stripTrailingHostDot?: true;
  /**
   * tls.clientValidation (api/v1alpha1 ClientValidationContext, clienttrafficpolicy.go
   * buildListenerTLSParameters): the mode (RequireAndVerify unless set; the deprecated optional: true is
   * VerifyIfGiven), the CA references (kind Secret unless ConfigMap, the policy's namespace unless set),
   * the further checks of the presented certificate (setTLSClientValidationContext: spkiHashes,
   * certificateHashes, subjectAltNames, allowExpiredCertificate: engine/gateway/clientcert.ts
   * envoyCertificateChecks) and the CRL references (crl.refs, checked by engine/gateway/crl.ts crlVerdict).
   */
  clientValidation?: {
    mode: "Request" | "RequireAny" | "VerifyIfGiven" | "RequireAndVerify"; legacyOptional: boolean; caRefs: { kind: "Secret" | "ConfigMap"; namespace: string; name: string }[];
    checks?: CertificateChecks;
    /** crl.refs (kind Secret unless ConfigMap), which Envoy Gateway reads (a missing one: "failed to get crl from ref"). */
    crlRefs?: { kind: "Secret" | "ConfigMap"; namespace: string; name: string }[];
    /** crl.onlyVerifyLeafCertificate: true (only_verify_leaf_cert_crl: the leaf alone is checked against the CRLs). */
    crlLeafOnly?: true;
  };
  /** http1.http10.useDefaultHost: Envoy Gateway must find the listener a default host (engine/gateway/client-policy.ts http10Error). */
  http10DefaultHost?: true;
  /** The deprecated fields it sets ("spec.targetRef", "spec.enableProxyProtocol", ...): a Warning condition on its ancestors. */
  deprecatedFields?: string[];
}

/** Envoy's CertificateValidationContext checks of a presented certificate beyond its chain (Envoy Gateway's tls.clientValidation). */
export interface CertificateChecks {
  /** verify_certificate_spki: base64 SHA-256 of the DER SubjectPublicKeyInfo. */
  spkiHashes: string[];
  /** verify_certificate_hash: hex SHA-256 of the DER certificate (colons allowed). */
  certificateHashes: string[];
  /**
   * match_typed_subject_alt_names (StringMatch: Exact unless set). OTHER_NAME with the `oid` of an otherNames
   * entry; UNSPECIFIED for one whose oid is "" (Envoy refuses the context: clientcert.ts invalidCertificateHash).
   */
  subjectAltNames: { san: "DNS" | "EMAIL" | "IP_ADDRESS" | "URI" | "OTHER_NAME" | "UNSPECIFIED"; oid?: string; type: "Exact" | "Prefix" | "Suffix" | "RegularExpression"; value: string }[];
  /** allow_expired_certificate. */
  allowExpired?: true;
}

/** Envoy Gateway's API group (gateway.envoyproxy.io). */
export const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";

/** Envoy Gateway's GatewayClass controller (its Gateways' data plane: service-endpoints.ts "envoy-gateway"). */
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

/**
 * The settings of an EnvoyProxy spec (api/v1alpha1/envoyproxy_types.go EnvoyProxySpec) answers depend
 * on: mergeGateways (a pointer: unset is not false, IsMergeGatewaysEnabled falls back past it) and
 * whether mergeBackends is there ("specifying this field at all ... enables it").
 */
export interface EnvoyProxySettings {
  mergeGateways?: boolean;
  mergeBackends?: true;
  /**
   * provider.kubernetes.envoyService, where it sets the Service's type or externalTrafficPolicy
   * (the Service Envoy Gateway puts in front of the Envoy pods: engine/gateway/peer.ts).
   */
  envoyService?: { type?: string; externalTrafficPolicy?: string; patch?: ServicePatch };
}

/**
 * envoyService.patch (KubernetesPatchSpec, StrategicMerge unless type JSONMerge), as far as it changes
 * the Service's spec.type and spec.externalTrafficPolicy: a value, or null (the field removed); absent
 * when the patch does not name it. `unread`: a strategic merge directive ($patch, $retainKeys, ...) on
 * spec, whose outcome Junction does not work out.
 */
export interface ServicePatch { type?: string | null; externalTrafficPolicy?: string | null; unread?: string }

/**
 * Envoy Gateway's EnvoyProxy (gateway.envoyproxy.io/v1alpha1), as far as answers depend on it: a
 * GatewayClass's with spec.mergeGateways runs one Envoy for all the class's Gateways (engine/gateway/merge.ts).
 */
export interface EnvoyProxy extends ObjectMeta, EnvoyProxySettings {}

/**
 * Envoy Gateway's own configuration (the EnvoyGateway document: its ConfigMap envoy-gateway-config,
 * sources/envoy-gateway.ts), as far as the engine reads it: its default EnvoyProxy spec (`envoyProxy`,
 * EnvoyProxyDefaultSpec), the lowest of the three levels (contexts.go attachEnvoyProxy).
 */
export interface EnvoyGatewayConfig {
  /** Where it was read ("ConfigMap envoy-gateway-system/envoy-gateway-config"). */
  where: string;
  envoyProxy?: EnvoyProxySettings;
  /** provider.kubernetes.deploy.type GatewayNamespace (EnvoyGateway.GatewayNamespaceMode): a GatewayClass's EnvoyProxy with mergeGateways is refused. */
  gatewayNamespaceMode?: true;
  /** gateway.controllerName, where it is not the default: Envoy Gateway manages the GatewayClasses of this controllerName only. */
  controllerName?: string;
  /** extensionApis.enableEnvoyPatchPolicy: true (EnvoyPatchPolicies are applied; else their status is Disabled). */
  envoyPatchPolicy?: true;
}

/**
 * An EnvoyPatchPolicy (gateway.envoyproxy.io/v1alpha1, api/v1alpha1/envoypatchpolicy_types.go): JSON patches of the
 * xDS resources Envoy Gateway writes for its target, a Gateway (of the policy's namespace) or, where the class's
 * Gateways are merged, a GatewayClass (internal/gatewayapi/envoypatchpolicy.go ProcessEnvoyPatchPolicies).
 */
export interface EnvoyPatchPolicy {
  namespace: string;
  name: string;
  target: { group: string; kind: string; name: string };
  /** How many jsonPatches it has. */
  patches: number;
  src?: SourceRef;
}

/**
 * The controllerName of the GatewayClasses Envoy Gateway manages: its configuration's
 * gateway.controllerName, else the default (api/v1alpha1 envoygateway_helpers.go SetEnvoyGatewayDefaults:
 * GatewayControllerName; provider/kubernetes predicates.go hasMatchingController compares a class's
 * spec.controllerName with it). Policy statuses carry it too.
 */
export function envoyGatewayController(graph: Pick<RouteGraph, "envoyGatewayConfig">): string {
  return graph.envoyGatewayConfig?.controllerName ?? ENVOY_GATEWAY_CONTROLLER;
}

/** The largest body a responseOverride may answer with (internal/gatewayapi checkResponseBodySize: Envoy's max_direct_response_body_size_bytes default). */
export const MAX_RESPONSE_BODY = 4096;

/** A feature of a BackendTrafficPolicy Envoy Gateway cannot translate: its spec field and upstream's message ("BandwidthLimit: ..."). */
export interface TranslationError { field: string; message: string }

/** A fault abort: an HTTP status or a gRPC status, for `percentage` percent of the requests. */
export interface FaultAbort { httpStatus?: number; grpcStatus?: number; percentage: number }

/** spec.rateLimit, as far as it changes answers: which limits exist (requests over them get 429), or why Envoy Gateway refuses it. */
export interface RateLimitSummary {
  /** Local limits, e.g. "10 requests per Second" ("(for clients matching rule 2's selectors)" when the rule has clientSelectors). */
  local: string[];
  /** A global limit (the rate limit service; Envoy Gateway must have it enabled). */
  global: boolean;
  /**
   * A limit of `requests: 0` that every request meets (no clientSelectors). Global: the rate limit
   * service's limit 0 refuses every request with 429. Local: Envoy Gateway writes a token bucket with
   * tokens_per_fill 0, which Envoy 1.39 refuses with the whole route configuration (traffic-policy.ts
   * zeroTokenBucket; engine.ts rejectedRouteConfig). Words for each, by kind.
   */
  refuses?: { local?: string; global?: string };
  /**
   * The rules with clientSelectors (local and global), as the request matches them (engine/gateway/
   * traffic-policy.ts selectorRefusal): a global one whose limit is `requests: 0` refuses the requests
   * it matches. A local rule of 0 among them, or a local default rule of 0 beside them (`defaultZero`),
   * is a token bucket of tokens_per_fill 0: Envoy refuses the route configuration (zeroLocalRule).
   */
  selectorRules?: RateLimitRule[];
  defaultZero?: number;
  /** Why Envoy Gateway cannot translate it (buildLocalRateLimit's errors): the policy's routes answer 500. */
  invalid?: string;
  /**
   * Each side's own error, local and global (buildBothRateLimit: the local one stands first, in
   * `invalid`): a merged policy (mergeType) takes each side's from the policy whose side it keeps.
   */
  localInvalid?: string;
  globalInvalid?: string;
}

/**
 * A rate limit rule's clientSelectors as Envoy Gateway programs them (internal/xds/translator/
 * local_ratelimit.go, ratelimit.go): every selector's matches accumulate into one descriptor (all must
 * hold); its methods are alternatives; the path and sourceCIDR are the last selector's
 * (buildRateLimitRule sets irRule.PathMatch and irRule.CIDRMatch per selector).
 */
export interface RateLimitRule {
  kind: "local" | "global";
  index: number;
  requests: number;
  headers: { name: string; type: "Exact" | "RegularExpression" | "Distinct"; value?: string; invert: boolean }[];
  methods: { value: string; invert: boolean }[];
  path?: { type: "Exact" | "PathPrefix" | "RegularExpression"; value: string; invert: boolean };
  /** sourceCIDR (net.ParseCIDR's network): a RemoteAddressMatch on the client address Envoy reads; Distinct only splits the bucket per address. */
  source?: { cidr: Cidr; distinct: boolean; invert: boolean };
  /** queryParams: QueryParameterValueMatch (the first value of the parameter, Exact or RE2) or, Distinct, QueryParameters (the parameter present). */
  query: { name: string; type: "Exact" | "RegularExpression" | "Distinct"; value?: string; invert: boolean }[];
  /** shadowMode: the rule counts but never refuses (the descriptor's shadow_mode). */
  shadow?: boolean;
}

export interface RouteGraph {
  gatewayClasses: GatewayClass[];
  gateways: Gateway[];
  listenerSets: ListenerSet[];
  routes: Route[];
  referenceGrants: ReferenceGrant[];
  tlsMaterial: TlsMaterial[];
  backendTlsPolicies: BackendTlsPolicy[];
  backendTrafficPolicies: BackendTrafficPolicy[];
  clientTrafficPolicies: ClientTrafficPolicy[];
  securityPolicies: SecurityPolicy[];
  envoyProxies: EnvoyProxy[];
  /** Envoy Gateway's configuration, when the input holds it. */
  envoyGatewayConfig?: EnvoyGatewayConfig;
  /** Envoy Gateway's EnvoyPatchPolicies (engine/gateway/patch-policy.ts), when the input holds any. */
  envoyPatchPolicies?: EnvoyPatchPolicy[];
  /** Every object of the input (by namespace: sources/lowering.ts noteObject), so that references to kinds Junction does not read can be resolved. */
  objectKeys: ObjectIndex;
}

/** A Gateway that stands for an IngressClass: its wildcard hostnames cover exactly one label, as Ingress hosts do. */
export function hasIngressSemantics(gw: Gateway): boolean {
  return gw.derivedFrom?.kind === "IngressClass";
}

export function emptyRouteGraph(): RouteGraph {
  return { gatewayClasses: [], gateways: [], listenerSets: [], routes: [], referenceGrants: [], tlsMaterial: [], backendTlsPolicies: [], backendTrafficPolicies: [], clientTrafficPolicies: [], securityPolicies: [], envoyProxies: [], objectKeys: new ObjectIndex() };
}

/**
 * Objects by API group, kind, namespace ("" for none) and name: a set of names per namespace and
 * kind, holding the name strings the model holds anyway, instead of a key string made, hashed and
 * kept per object (a cluster dump has one object per pod).
 */
export class ObjectIndex {
  private readonly groups = new Map<string, Map<string, Map<string, Set<string>>>>();

  /** The set of names add() used last, and its group, kind and namespace (a file's objects come in runs of them). */
  private last: { group: string; kind: string; namespace: string; names: Set<string> } | undefined;

  /** Adds an object; false when it was there already. */
  add(group: string, kind: string, namespace: string, name: string): boolean {
    const last = this.last;
    let names: Set<string>;
    if (last !== undefined && last.namespace === namespace && last.kind === kind && last.group === group) names = last.names;
    else {
      let kinds = this.groups.get(group);
      if (!kinds) this.groups.set(group, (kinds = new Map()));
      let spaces = kinds.get(kind);
      if (!spaces) kinds.set(kind, (spaces = new Map()));
      let found = spaces.get(namespace);
      if (!found) spaces.set(namespace, (found = new Set()));
      names = found;
      // (The record is changed in place, not made anew: a file's kinds alternate, pods between their controllers.)
      if (last === undefined) this.last = { group, kind, namespace, names };
      else { last.group = group; last.kind = kind; last.namespace = namespace; last.names = names; }
    }
    const size = names.size;
    return names.add(name).size !== size;
  }

  has(group: string, kind: string, namespace: string, name: string): boolean {
    return this.groups.get(group)?.get(kind)?.get(namespace)?.has(name) ?? false;
  }

  hasKind(group: string, kind: string): boolean {
    for (const names of this.groups.get(group)?.get(kind)?.values() ?? []) if (names.size) return true;
    return false;
  }

  /** Every object of both. */
  static union(a: ObjectIndex, b: ObjectIndex): ObjectIndex {
    const out = new ObjectIndex();
    for (const x of [a, b]) {
      for (const [group, kinds] of x.groups) for (const [kind, spaces] of kinds) for (const [ns, names] of spaces) for (const name of names) out.add(group, kind, ns, name);
    }
    return out;
  }
}

/**
 * Whether the input holds the object a reference names: in `namespace` for a namespaced reference
 * (a LocalObjectReference names an object of the referrer's namespace), or cluster-scoped when
 * `namespace` is undefined. An object recorded without a namespace (a cluster-scoped kind, or one
 * of a kind Junction does not read written without one: sources/lowering.ts noteObject) is found
 * from `default` too, where a namespaced object written without a namespace is; never from another
 * namespace, where a namespaced object of that name is not (kubectl applies it to `default`).
 */
export function hasObject(graph: RouteGraph, group: string, kind: string, namespace: string | undefined, name: string): boolean {
  const ns = namespace ?? "";
  return graph.objectKeys.has(group, kind, ns, name) || (ns === "default" && graph.objectKeys.has(group, kind, "", name));
}

/** Whether the input holds any object of the kind. */
export function hasKind(graph: RouteGraph, group: string, kind: string): boolean {
  return graph.objectKeys.hasKind(group, kind);
}
