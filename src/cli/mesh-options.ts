// Options of the commands that answer requests through a mesh: the mesh settings (Istio's meshConfig,
// Linkerd's install values), with their upstream defaults. The input may carry Istio's (the ConfigMap
// istio-system/istio, sources/istio/meshconfig.ts) and Linkerd's (linkerd/linkerd-config,
// sources/linkerd/config.ts); an option given replaces what it says.

import { DEFAULT_MESH_SETTINGS, ISTIO_PROVIDER_KINDS, LINKERD_DEFAULT_POLICIES, type IstioProviderKind, type LinkerdDefaultPolicy } from "../model/mesh.js";
import type { Inventory } from "../model/inventory.js";
import { dnsLabelError, dnsSubdomainError } from "../sources/k8s.js";
import { UsageError, list, str, type OptionSpec, type Values } from "./command.js";

export const MESH_OPTIONS: Record<string, OptionSpec> = {
  "trust-domain": { type: "string", arg: "DOMAIN", description: `the mesh's trust domain: identities are DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT (default: for Istio, meshConfig trustDomain of the input's ConfigMap istio-system/istio, else ${DEFAULT_MESH_SETTINGS.trustDomain}; for Linkerd, ${DEFAULT_MESH_SETTINGS.trustDomain})` },
  "istio-root-namespace": { type: "string", arg: "NAMESPACE", description: `Istio's root namespace: its AuthorizationPolicies and PeerAuthentications apply mesh-wide (default: meshConfig rootNamespace of the input's ConfigMap istio-system/istio, else ${DEFAULT_MESH_SETTINGS.istioRootNamespace})` },
  "linkerd-default-policy": { type: "string", arg: "POLICY", choices: LINKERD_DEFAULT_POLICIES, description: `Linkerd's cluster-wide default inbound policy (default: proxy.defaultInboundPolicy of the input's ConfigMap linkerd/linkerd-config, else ${DEFAULT_MESH_SETTINGS.linkerdDefaultPolicy})` },
  "istio-extension-provider": { type: "string", multiple: true, arg: "NAME=http|grpc", description: "an Istio meshConfig extensionProviders entry (envoyExtAuthzHttp or envoyExtAuthzGrpc), for CUSTOM policies; once one is given, a provider not given is undefined (istiod then writes deny rules), and the input's ConfigMap istio-system/istio is not read for them" },
  now: { type: "string", arg: "TIME", description: "the time the proxies' JWT checks (Istio RequestAuthentication, Envoy Gateway SecurityPolicy jwt: exp and nbf, 60 s of clock skew) are judged at: an RFC 3339 time (2026-01-02T03:04:05Z) or seconds since the epoch; give it for answers that do not change with the clock, as in CI (default: the clock)" },
  "cilium-http-normalize-path": { type: "string", arg: "BOOL", choices: ["true", "false"], default: String(DEFAULT_MESH_SETTINGS.ciliumNormalizePath), description: "Cilium's agent option --http-normalize-path: whether its proxy normalizes the path its HTTP rules match (dot segments, escapes, repeated slashes)" },
};

/** Puts the mesh options into the loaded inventory's settings (before any engine is built). */
export function applyMeshOptions(values: Values, inv: Inventory): void {
  const given = str(values, "trust-domain");
  const td = given ?? DEFAULT_MESH_SETTINGS.trustDomain;
  // Given, the root namespace replaces what the input's meshConfig says (sources/istio/meshconfig.ts).
  const root = str(values, "istio-root-namespace");
  if (dnsSubdomainError(td)) throw new UsageError(`--trust-domain: ${dnsSubdomainError(td)}`);
  if (root !== undefined && dnsLabelError(root)) throw new UsageError(`--istio-root-namespace: ${dnsLabelError(root)}`);
  inv.mesh.settings.trustDomain = td;
  // Given, the trust domain replaces the input's meshConfig trustDomain (sources/istio/meshconfig.ts).
  const providers = extensionProviders(list(values, "istio-extension-provider"));
  // Every revision's settings alike: the options replace what each istiod's ConfigMap says.
  for (const s of [inv.mesh.settings, ...Object.values(inv.mesh.istioRevisions ?? {})]) {
    if (given !== undefined) s.istioTrustDomain = undefined;
    if (root !== undefined) s.istioRootNamespace = root;
    if (providers) s.istioExtensionProviders = providers;
  }
  // Given, it replaces the input's linkerd-config proxy.defaultInboundPolicy (sources/linkerd/config.ts).
  const linkerdDefault = str(values, "linkerd-default-policy");
  if (linkerdDefault !== undefined) inv.mesh.settings.linkerdDefaultPolicy = linkerdDefault as LinkerdDefaultPolicy;
  inv.mesh.settings.ciliumNormalizePath = (str(values, "cilium-http-normalize-path") ?? "true") === "true";
  const now = str(values, "now");
  if (now !== undefined) inv.mesh.settings.now = parseNow(now);
}

/** --now: seconds since the epoch, or an RFC 3339 date-time (with its offset, or Z). */
export function parseNow(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(text) ? Date.parse(text.replace(" ", "T")) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--now ${JSON.stringify(text)}: write an RFC 3339 time (2026-01-02T03:04:05Z) or seconds since the epoch`);
  return Math.floor(ms / 1000);
}

/** --istio-extension-provider NAME=http|grpc, repeated; undefined when none is given. */
function extensionProviders(given: string[]): Record<string, IstioProviderKind> | undefined {
  if (!given.length) return undefined;
  const out: Record<string, IstioProviderKind> = {};
  for (const g of given) {
    const [name, kind] = g.split("=", 2);
    if (!name || !(ISTIO_PROVIDER_KINDS as readonly string[]).includes(kind ?? "")) throw new UsageError(`--istio-extension-provider ${JSON.stringify(g)}: write NAME=http or NAME=grpc`);
    out[name] = kind as IstioProviderKind;
  }
  return out;
}
