// Istio's mesh configuration as istiod reads it: the ConfigMap `istio` in `istio-system`, whose
// `data.mesh` is MeshConfig as YAML (pkg/config/mesh/kubemesh: the watched ConfigMap "istio", key
// "mesh"). The fields that change an authorization answer are read into the mesh settings:
//   rootNamespace        whose AuthorizationPolicies apply mesh-wide (default: istiod's namespace, istio-system)
//   extensionProviders   the external authorizers CUSTOM policies name (pilot/pkg/security/authz/builder/
//                        extauthz.go processExtensionProvider): only envoyExtAuthzHttp and envoyExtAuthzGrpc
//                        providers count (others are skipped); one that fails istiod's checks (port outside
//                        1-65535, no service, a statusOnError that is not an HTTP status, a pathPrefix not
//                        starting with "/", a lone "*" header, a duplicate name) is kept with its error, and
//                        getExtAuthz then fails like an undefined one: CUSTOM policies naming it become deny rules.
//   pathNormalization    the path Istio's proxies authorize and a VirtualService's routes match (NONE, BASE,
//                        MERGE_SLASHES, DECODE_AND_MERGE_SLASHES; engine/l7/paths.ts istioPath)
//   trustDomain          the trust domain of Istio's identities (TRUST_DOMAIN/ns/NS/sa/SA; default cluster.local)
//   outboundTrafficPolicy what a sidecar does with a connection its registry lacks (mode ALLOW_ANY, the default,
//                        or REGISTRY_ONLY; engine/mesh/registry.ts), unless a Sidecar resource sets its own
//   serviceEntryVisibility (Istio 1.31) each ServiceEntry's visibility (PUBLIC, NAMESPACE, NONE) and applyToSidecars
//                        (engine/mesh/registry.ts ambientServices, entryExportedTo); the default revision's only
//   defaultConfig.gatewayTopology.numTrustedProxies  the X-Forwarded-For hops a gateway's Envoy trusts (engine/l7/istio.ts
//                        gatewayClient; a pod's proxy.istio.io/config replaces it: proxyconfig.ts)
//   defaultHttpRetryPolicy the retries of a VirtualService route without `retries` (engine/mesh/virtualservice.ts)
//   trustDomainAliases   trust domains istiod rewrites AuthorizationPolicy principals for (engine/l7/istio.ts
//                        migrateTrustDomain, pilot/pkg/security/trustdomain/bundle.go)
// A revisioned istiod (revision REV) reads the ConfigMap istio-REV instead (pilot/pkg/bootstrap/mesh.go
// getMeshConfigMapName) for the proxies of its revision: it is read the same way into the revision's
// settings (model/mesh.ts istioSettingsOf), each field defaulting as istiod's does, not to the default
// revision's value.
// The CLI's --istio-root-namespace and --istio-extension-provider override what is read here.
// istiod reads the text with sigs.k8s.io/yaml (protomarshal.ApplyYAML: yaml.YAMLToJSON, go-yaml v2), as
// kubectl reads manifests, so it is read by the same reader (kubeyaml.ts).

import { goDuration } from "../../model/duration.js";
import { embeddedDocument } from "../embedded.js";
import { DEFAULT_MESH_SETTINGS, ISTIO_OUTBOUND_MODES, ISTIO_PATH_NORMALIZATIONS, ISTIO_REV_LABEL, type IstioOutboundMode, type IstioPathNormalization, type IstioProviderKind, type IstioRevisionSettings, type MeshSettings } from "../../model/mesh.js";
import { Field } from "../fields.js";
import type { InventoryBuilder } from "../builder.js";
import { dnsLabelError, readSelector, type Meta } from "../k8s.js";
import { matches } from "../../model/selector.js";

export const ISTIO_MESH_CONFIGMAP = { namespace: "istio-system", name: "istio" };

const PROVIDER_KINDS: Record<string, IstioProviderKind> = { envoyExtAuthzHttp: "http", envoyExtAuthzGrpc: "grpc" };
const HEADER_LISTS = ["includeRequestHeadersInCheck", "includeHeadersInCheck", "headersToDownstreamOnDeny", "headersToDownstreamOnAllow", "headersToUpstreamOnAllow"];

/** Reads the mesh configuration when `meta` names istiod's ConfigMap; other ConfigMaps are left alone. */
export function readIstioMeshConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  let settings: IstioRevisionSettings = b.inv.mesh.settings;
  if (meta.namespace === ISTIO_MESH_CONFIGMAP.namespace && meta.name.startsWith(`${ISTIO_MESH_CONFIGMAP.name}-`) && root.get("data").get("mesh").present) {
    const rev = meta.name.slice(ISTIO_MESH_CONFIGMAP.name.length + 1);
    settings = { istioRootNamespace: DEFAULT_MESH_SETTINGS.istioRootNamespace, istioExtensionProviders: undefined, istioPathNormalization: DEFAULT_MESH_SETTINGS.istioPathNormalization, istioTrustDomain: undefined, istioTrustDomainAliases: undefined, istioOutboundTrafficPolicy: undefined, istioDrPrivateDefault: undefined };
    const mesh = b.inv.mesh;
    if (!mesh.istioRevisions) b.defer(() => { mesh.istioNamespaceRevisions = Object.fromEntries([...b.inv.namespaces].flatMap(([name, n]) => (n.labels[ISTIO_REV_LABEL] !== undefined ? [[name, n.labels[ISTIO_REV_LABEL]]] : []))); });
    (mesh.istioRevisions ??= {})[rev] = settings;
    root.get("data").get("mesh").info("istio-revision", `the mesh configuration of Istio revision ${rev} (istiod --revision ${rev}): it decides for the proxies of pods labelled istio.io/rev=${rev} (or in a namespace labelled so); compile --target istio and convert read the default revision's ConfigMap ${ISTIO_MESH_CONFIGMAP.namespace}/${ISTIO_MESH_CONFIGMAP.name}`);
  } else if (meta.name !== ISTIO_MESH_CONFIGMAP.name || meta.namespace !== ISTIO_MESH_CONFIGMAP.namespace) return;
  // istiod's yaml.YAMLToJSON (not strict) keeps the last of a duplicate key, silently.
  const mesh = embeddedDocument(root.get("data").get("mesh"), ["data", "mesh"], "istiod refuses this mesh configuration", (key) => `duplicate key ${JSON.stringify(key)}: istiod keeps the last one (sigs.k8s.io/yaml YAMLToJSON, not strict), and so does Junction`);
  if (!mesh) return;
  const rootNs = mesh.get("rootNamespace");
  const ns = rootNs.string();
  if (ns) {
    const err = dnsLabelError(ns);
    if (err) rootNs.error("invalid-value", err);
    else settings.istioRootNamespace = ns;
  }
  settings.istioExtensionProviders = extensionProviders(mesh.get("extensionProviders"));
  const td = mesh.get("trustDomain");
  const domain = td.string();
  if (domain !== undefined) {
    const err = trustDomainError(domain);
    if (err) td.error("invalid-value", err);
    else settings.istioTrustDomain = domain;
  }
  const aliases = (mesh.get("trustDomainAliases").list() ?? []).flatMap((a) => {
    const v = a.string({ required: true });
    const err = v === undefined ? undefined : trustDomainError(v);
    if (err) a.error("invalid-value", err);
    return v !== undefined && !err ? [v] : [];
  });
  if (aliases.length) settings.istioTrustDomainAliases = aliases;
  const normalization = mesh.get("pathNormalization").get("normalization").string({ oneOf: ISTIO_PATH_NORMALIZATIONS });
  if (normalization) settings.istioPathNormalization = normalization as IstioPathNormalization;
  // defaultConfig (ProxyConfig).gatewayTopology.numTrustedProxies: a gateway's xff_num_trusted_hops (pilot/pkg/networking/core/gateway.go).
  const trusted = mesh.get("defaultConfig").get("gatewayTopology").get("numTrustedProxies").int({ min: 0, max: 4294967295 });
  if (trusted !== undefined) settings.istioGatewayTrustedProxies = trusted;
  const outbound = mesh.get("outboundTrafficPolicy").get("mode").string({ oneOf: ISTIO_OUTBOUND_MODES });
  if (outbound) settings.istioOutboundTrafficPolicy = outbound as IstioOutboundMode;
  // defaultHttpRetryPolicy (HTTPRetry): the retries of a VirtualService route without its own (engine/mesh/virtualservice.ts vsTiming).
  const retry = mesh.get("defaultHttpRetryPolicy");
  if (retry.object()) {
    const perTry = goDuration(retry.childString("perTryTimeout"));
    const retryOn = retry.childString("retryOn");
    settings.istioDefaultHttpRetry = { attempts: retry.childInt("attempts") ?? 0, ...(perTry !== undefined ? { perTryTimeoutMs: perTry } : {}), ...(retryOn ? { retryOn } : {}) };
  }
  // defaultDestinationRuleExportTo: pilot honours "." and "*" only (setDestinationRules); "." makes a rule without exportTo private.
  const drExportTo = mesh.get("defaultDestinationRuleExportTo").list()?.map((e) => e.string({ required: true }));
  if (drExportTo) settings.istioDrPrivateDefault = drExportTo.includes(".");
  const visibility = mesh.get("serviceEntryVisibility");
  if (!visibility.present) return;
  if (settings !== b.inv.mesh.settings) visibility.info("not-read", "serviceEntryVisibility of a revision's mesh configuration is not read: the default revision's decides");
  else readVisibility(visibility, b);
}

const VISIBILITIES = ["UNSPECIFIED", "PUBLIC", "NAMESPACE", "NONE"];
type Visibility = "PUBLIC" | "NAMESPACE" | "NONE";
const visibilityOf = (f: Field): Visibility => { const v = f.string({ oneOf: VISIBILITIES }); return v === "NAMESPACE" || v === "NONE" ? v : "PUBLIC"; };

/**
 * meshConfig.serviceEntryVisibility (Istio 1.31; pilot/pkg/model CompileServiceEntryVisibility,
 * VisibilityFor): each ServiceEntry's visibility is that of the first policy all of whose
 * matchingRules match (none: every entry), else defaultVisibility (UNSPECIFIED: PUBLIC). The one
 * matcher is a namespaceSelector over the labels of the entry's namespace; a rule without one
 * ("Unknown or unset matcher never matches") fails its policy. Set on each entry once the input is read.
 */
function readVisibility(f: Field, b: InventoryBuilder): void {
  const fallback = visibilityOf(f.get("defaultVisibility"));
  const policies = (f.get("policies").list() ?? []).map((p) => ({
    visibility: visibilityOf(p.get("visibility")),
    rules: (p.get("matchingRules").list() ?? []).map((r) => (r.get("namespaceSelector").present ? readSelector(r.get("namespaceSelector")) : undefined)),
  }));
  const sidecars = f.get("applyToSidecars").bool();
  if (sidecars) b.inv.mesh.settings.istioVisibilityForSidecars = true;
  b.defer(() => {
    for (const e of b.inv.mesh.istio.serviceEntries) {
      const labels = b.inv.namespaces.get(e.namespace)?.labels ?? { "kubernetes.io/metadata.name": e.namespace };
      const v = policies.find((p) => p.rules.every((r) => r !== undefined && matches(r, labels)))?.visibility ?? fallback;
      if (v === "PUBLIC") delete e.visibility;
      else e.visibility = v;
    }
  });
}

/** istiod's check of a trust domain (pkg/config/validation/agent ValidateTrustDomain): DNS labels, a trailing "." allowed. */
function trustDomainError(domain: string): string | undefined {
  const labels = domain.split(".");
  if (labels.length > 1 && labels[labels.length - 1] === "") labels.pop();
  const bad = labels.find((l) => dnsLabelError(l) !== undefined);
  return bad === undefined ? undefined : `trust domain name ${JSON.stringify(domain)} invalid: ${dnsLabelError(bad)} (istiod refuses this mesh configuration)`;
}

function extensionProviders(list: Field): MeshSettings["istioExtensionProviders"] {
  const out: Record<string, IstioProviderKind> = {};
  const seen = new Set<string>();
  for (const p of list.list() ?? []) {
    const kindKey = Object.keys(PROVIDER_KINDS).find((k) => p.get(k).present);
    if (kindKey === undefined) continue;
    const name = p.get("name").string() ?? "";
    const problems: string[] = [];
    // A duplicate is one among the ext_authz providers istiod has resolved so far (the later one wins, with its error).
    if (!name) problems.push("its name is empty");
    else if (seen.has(name)) problems.push(`the name ${name} is already taken by an earlier provider`);
    seen.add(name);
    problems.push(...providerProblems(p.get(kindKey), kindKey));
    if (problems.length) {
      delete out[name];
      p.warn("invalid-extension-provider", `extension provider ${JSON.stringify(name)} is invalid for istiod (${problems.join("; ")}): CUSTOM AuthorizationPolicies naming it are replaced by deny rules`);
    } else out[name] = PROVIDER_KINDS[kindKey];
  }
  return out;
}

/** istiod's checks of one ext_authz provider (extauthz.go buildExtAuthzHTTP/GRPC, parsePort, parseStatusOnError). */
function providerProblems(f: Field, kindKey: string): string[] {
  const out: string[] = [];
  const raw = f.get("port").value;
  const port = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (!(typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535)) out.push(`port must be in the range [1, 65535], found: ${JSON.stringify(port ?? 0)}`);
  const service = f.get("service").value;
  if (typeof service !== "string" || !service) out.push("service must not be empty");
  const status = f.get("statusOnError").value;
  if (status !== undefined && status !== null && status !== "" && !(/^\d+$/.test(String(status)) && ENVOY_STATUS_CODES.has(Number(status)))) out.push(`unsupported statusOnError ${JSON.stringify(status)}`);
  if (kindKey === "envoyExtAuthzHttp") {
    const prefix = f.get("pathPrefix").value;
    if (typeof prefix === "string" && prefix !== "" && !prefix.startsWith("/")) out.push(`pathPrefix must begin with \`/\`, found: ${JSON.stringify(prefix)}`);
    for (const k of HEADER_LISTS) {
      const v = f.get(k).value;
      if (Array.isArray(v) && v.includes("*")) out.push(`a single wildcard ("*") is not supported: ${k}`);
    }
  }
  return out;
}

/** envoy.type.v3.StatusCode's values (envoy/type/v3/http_status.proto; 0 is its `Empty`). */
const ENVOY_STATUS_CODES = new Set([0, 100, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 421, 422, 423, 424, 426, 428, 429, 431,
  500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511]);
