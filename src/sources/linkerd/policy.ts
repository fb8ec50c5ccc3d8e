// Front ends for Linkerd's inbound policy (policy.linkerd.io): Server, AuthorizationPolicy,
// ServerAuthorization (deprecated, still read), MeshTLSAuthentication, NetworkAuthentication.
// An authorization becomes one L7 rule whose `from` clauses say which clients it admits, as
// Linkerd's policy controller computes them (policy-controller/k8s/index/src/inbound):
//   - identities: MeshTLSAuthentication identities ("*" any, "*.suffix", exact) and identityRefs
//     (ServiceAccount → that account's identity, Namespace → any account of it), or a ServiceAccount
//     named directly; none: unauthenticated clients too;
//   - networks: a NetworkAuthentication's CIDRs (with except), else every address; a
//     ServerAuthorization without networks admits only the cluster networks.
// A policy the controller cannot resolve (a missing or second MeshTLSAuthentication, ...) is
// ignored by it, and reported here as a warning.

import type { CidrMatch, Condition, L7Rule, StringMatch } from "../../model/l7.js";
import { LINKERD_DEFAULT_POLICIES, type LinkerdAuthorization, type LinkerdDefaultPolicy, type LinkerdServer, type LinkerdTarget } from "../../model/mesh.js";
import type { InventoryBuilder, StateKey } from "../builder.js";
import type { Field, ObjectContext } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readCidrAsWritten, readCreated, readMeta, readSelector } from "../k8s.js";
import { addGatewayRoutesToServers, LINKERD_GROUP } from "./routes.js";

const api = (...versions: string[]) => versions.map((v) => `${LINKERD_GROUP}/${v}`);
const PROTOCOLS = ["unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS"] as const;

/** Identity patterns as Linkerd parses them: "*" any, "*.a.b" a suffix of whole labels, else exact. */
function identityMatch(s: string): StringMatch {
  if (s === "*") return { kind: "present" };
  return s.startsWith("*.") ? { kind: "suffix", value: s.slice(1) } : { kind: "exact", value: s };
}

function readNetworks(f: Field): CidrMatch[] | undefined {
  return f.list()?.flatMap((n) => {
    // (Linkerd reads them with Rust's ipnet: an IPv4-mapped prefix is IPv6, which no IPv4 client is in.)
    const cidr = readCidrAsWritten(n.get("cidr"));
    const except = (n.get("except").list() ?? []).map(readCidrAsWritten).filter((c) => c !== undefined);
    return cidr ? [{ cidr, ...(except.length ? { except } : {}) }] : [];
  });
}

const serverFrontEnd: FrontEnd = {
  kind: "Server", apiVersions: api("v1alpha1", "v1beta1", "v1beta2", "v1beta3"), namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const which = spec.get("podSelector").present ? "podSelector" : spec.get("externalWorkloadSelector").present ? "externalWorkloadSelector" : undefined;
    if (!which) spec.error("required", "set podSelector (or externalWorkloadSelector)");
    if (which === "externalWorkloadSelector") spec.get(which).info("not-modelled", "ExternalWorkloads are not in the model; this Server selects none of its endpoints");
    const podSelector = which === "podSelector" ? readSelector(spec.get(which)) : { requirements: [{ key: "junction.dev/none", operator: "In" as const, values: [] }] };
    const portField = spec.get("port");
    const port = typeof portField.value === "number" ? portField.int({ min: 1, max: 65535 }) : portField.string({ required: true, nonEmpty: true });
    const protocol = (spec.get("proxyProtocol").string({ oneOf: PROTOCOLS }) ?? "unknown") as LinkerdServer["protocol"];
    const access = spec.get("accessPolicy").string({ oneOf: LINKERD_DEFAULT_POLICIES }) as LinkerdDefaultPolicy | undefined;
    if (!meta || port === undefined) return;
    stateOf(b);
    b.inv.mesh.linkerd.servers.push({
      name: meta.name, namespace: meta.namespace!, labels: meta.labels, podSelector, port, protocol,
      ...(access ? { accessPolicy: access } : {}), created: readCreated(root), src: ctx.ref,
    });
  },
};

/**
 * Whether a reference names a kind of group `want` as Linkerd compares them (policy-controller/k8s/api/
 * src/policy.rs targets_kind): group and kind in any case, an empty or absent group is "core".
 */
function targetsKind(group: string, kind: string, wantGroup: string, wantKind: string): boolean {
  return (group || "core").toLowerCase() === wantGroup && kind.toLowerCase() === wantKind.toLowerCase();
}

/** AuthorizationPolicy targetRef: a Server, an HTTPRoute, a GRPCRoute, or the Namespace (inbound/authorization_policy.rs target). */
function readTarget(f: Field): LinkerdTarget | undefined {
  if (!f.object(true)) return undefined;
  const kind = f.get("kind").string({ required: true }), name = f.get("name").string({ required: true, nonEmpty: true });
  const group = f.get("group").string() ?? "";
  if (kind === undefined || name === undefined) return undefined;
  if (targetsKind(group, kind, LINKERD_GROUP, "Server")) return { kind: "Server", name };
  if (targetsKind(group, kind, "core", "Namespace")) return { kind: "Namespace" };
  const routeGroup = [LINKERD_GROUP, "gateway.networking.k8s.io"].find((g) => targetsKind(group, kind, g, "HTTPRoute"));
  if (routeGroup) return { kind: "Route", routeKind: "HTTPRoute", group: routeGroup, name };
  if (targetsKind(group, kind, "gateway.networking.k8s.io", "GRPCRoute")) return { kind: "Route", routeKind: "GRPCRoute", group: "gateway.networking.k8s.io", name };
  return f.error("unsupported", `unsupported target ${group ? `${group}/` : ""}${kind} (a Server, HTTPRoute, GRPCRoute or the Namespace)`);
}

interface AuthRef { kind: "MeshTLSAuthentication" | "NetworkAuthentication" | "ServiceAccount"; name: string; namespace?: string; field: Field }

function readAuthRefs(f: Field): AuthRef[] {
  return (f.list({ required: true }) ?? []).flatMap((r) => {
    const kind = r.get("kind").string({ required: true }), name = r.get("name").string({ required: true, nonEmpty: true });
    const group = r.get("group").string() ?? "";
    if (kind === undefined || name === undefined) return [];
    const namespace = r.get("namespace").string();
    const known = (["MeshTLSAuthentication", "NetworkAuthentication", "ServiceAccount"] as const).find((k) => targetsKind(group, kind, k === "ServiceAccount" ? "core" : LINKERD_GROUP, k));
    if (!known) { r.error("unsupported", `unsupported authentication ${group ? `${group}/` : ""}${kind}`); return []; }
    return [{ kind: known, name, ...(namespace ? { namespace } : {}), field: r }];
  });
}

/** Linkerd's own state while loading: authentications by namespace/name, resolved once all are read. */
interface LinkerdState {
  meshTls: Map<string, Condition[]>;
  networks: Map<string, CidrMatch[]>;
}
/** Made when the first Linkerd object is read; once every object is, the Gateway API routes attached to Servers join the model. */
const LINKERD: StateKey<LinkerdState> = { make: () => ({ meshTls: new Map(), networks: new Map() }), settle: (_, b) => addGatewayRoutesToServers(b) };
const stateOf = (b: InventoryBuilder): LinkerdState => b.state(LINKERD);

/** The identity conditions of a MeshTLSAuthentication: each an alternative. */
function identityConditions(spec: Field, namespace: string): Condition[] {
  const out: Condition[] = [];
  const ids = spec.get("identities").list()?.map((i) => i.string({ required: true, nonEmpty: true })).filter((s): s is string => s !== undefined) ?? [];
  if (ids.length) out.push({ attribute: "source.principal", values: ids.map(identityMatch) });
  const sas: StringMatch[] = [], nss: StringMatch[] = [];
  for (const r of spec.get("identityRefs").list() ?? []) {
    const kind = r.get("kind").string({ required: true }), name = r.get("name").string({ required: true, nonEmpty: true });
    const group = r.get("group").string() ?? "";
    // meshtls_authentication.rs Spec::try_from_resource: tgt.targets_kind::<ServiceAccount>() / ::<Namespace>(), else "unsupported target type".
    if (kind !== undefined && targetsKind(group, kind, "core", "ServiceAccount")) { if (name) sas.push({ kind: "exact", value: `${r.get("namespace").string() ?? namespace}/${name}` }); }
    else if (kind !== undefined && targetsKind(group, kind, "core", "Namespace")) { if (name) nss.push({ kind: "exact", value: name }); }
    else if (kind) r.get("kind").error("unsupported", `identityRefs name a ServiceAccount or a Namespace (group core), not ${group ? `${group}/` : ""}${kind}`);
  }
  if (sas.length) out.push({ attribute: "source.serviceAccount", values: sas });
  if (nss.length) out.push({ attribute: "source.namespace", values: nss });
  return out;
}

const meshTlsFrontEnd: FrontEnd = {
  kind: "MeshTLSAuthentication", apiVersions: api("v1alpha1"), namespaced: true,
  read(root, _ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const conditions = identityConditions(spec, meta?.namespace ?? "default");
    if (!conditions.length) spec.error("required", "set identities or identityRefs (an authentication without identities admits no client)");
    if (meta) stateOf(b).meshTls.set(`${meta.namespace}/${meta.name}`, conditions);
  },
};

const networkAuthFrontEnd: FrontEnd = {
  kind: "NetworkAuthentication", apiVersions: api("v1alpha1"), namespaced: true,
  read(root, _ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const networks = readNetworks(spec.get("networks")) ?? spec.get("networks").missing() ?? [];
    if (meta) stateOf(b).networks.set(`${meta.namespace}/${meta.name}`, networks);
  },
};

/** Clauses admitting clients with one of `identities` (alternatives) from `networks`. */
function clientClauses(identities: Condition[] | undefined, networks: CidrMatch[] | undefined): Condition[][] {
  const net: Condition[] = networks ? [{ attribute: "source.ip", cidrs: networks }] : [];
  return identities ? identities.map((id) => [id, ...net]) : [net];
}

function resolveAuthorizationPolicy(refs: AuthRef[], namespace: string, state: LinkerdState): { from: Condition[][] } | string {
  let identities: Condition[] | undefined, networks: CidrMatch[] | undefined;
  for (const r of refs) {
    const key = `${r.namespace ?? namespace}/${r.name}`;
    if (r.kind === "NetworkAuthentication") {
      if (networks) return "it names more than one NetworkAuthentication";
      networks = state.networks.get(key);
      if (!networks) return `NetworkAuthentication ${key} is not in the input`;
      continue;
    }
    if (identities) return "it names more than one MeshTLSAuthentication or ServiceAccount";
    identities = r.kind === "ServiceAccount" ? [{ attribute: "source.serviceAccount", values: [{ kind: "exact", value: key }] }] : state.meshTls.get(key);
    if (!identities) return `MeshTLSAuthentication ${key} is not in the input`;
  }
  return { from: clientClauses(identities, networks) };
}

const authorizationPolicyFrontEnd: FrontEnd = {
  kind: "AuthorizationPolicy", apiVersions: api("v1alpha1"), namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const target = readTarget(spec.get("targetRef"));
    const refs = readAuthRefs(spec.get("requiredAuthenticationRefs"));
    if (!meta || !target) return;
    const state = stateOf(b);
    const auth: LinkerdAuthorization = { kind: "AuthorizationPolicy", name: meta.name, namespace: meta.namespace!, target, clients: { index: 0, path: ["spec"] }, src: ctx.ref };
    b.inv.mesh.linkerd.authorizations.push(auth);
    b.defer(() => {
      const r = resolveAuthorizationPolicy(refs, auth.namespace, state);
      if (typeof r === "string") ignore(auth, ctx, r);
      else auth.clients = { index: 0, from: r.from, path: ["spec", "requiredAuthenticationRefs"] };
    });
  },
};

function ignore(auth: LinkerdAuthorization, ctx: ObjectContext, why: string): void {
  auth.ignored = why;
  ctx.warn(["spec"], "ignored", `Linkerd's policy controller ignores this ${auth.kind}: ${why}`);
}

const serverAuthorizationFrontEnd: FrontEnd = {
  kind: "ServerAuthorization", apiVersions: api("v1beta1"), namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const server = spec.get("server");
    const serverName = server.get("name").string();
    const target: LinkerdTarget = serverName ? { kind: "Server", name: serverName } : { kind: "ServerSelector", selector: server.get("selector").present ? readSelector(server.get("selector")) : { requirements: [] } };
    const clients = readClient(spec.get("client"), meta?.namespace ?? "default");
    if (!meta || !clients) return;
    stateOf(b);
    // Without networks (unset or an empty list) the policy controller sends the cluster networks
    // (policy-controller/grpc/src/inbound.rs to_authz: "if networks.is_empty() { cluster_networks }").
    const clusterNetworks = !spec.get("client").get("networks").list()?.length;
    b.inv.mesh.linkerd.authorizations.push({ kind: "ServerAuthorization", name: meta.name, namespace: meta.namespace!, target, clients, ...(clusterNetworks ? { clusterNetworks } : {}), src: ctx.ref });
  },
};

/**
 * A ServerAuthorization's client: unauthenticated, or meshTLS (unauthenticatedTLS: any TLS client;
 * identities; serviceAccounts); without networks only the cluster networks (clusterNetworks: the
 * engine adds them from the settings).
 */
function readClient(f: Field, namespace: string): L7Rule | undefined {
  if (!f.object(true)) return undefined;
  const listed = readNetworks(f.get("networks"));
  const networks = listed?.length ? listed : undefined;
  const mtls = f.get("meshTLS");
  let identities: Condition[] | undefined;
  if (f.get("unauthenticated").bool() === true) identities = undefined;
  else if (mtls.object()) {
    if (mtls.get("unauthenticatedTLS").bool() === true) identities = [{ attribute: "source.principal", values: [{ kind: "present" }] }];
    else {
      const ids = mtls.get("identities").list()?.map((i) => i.string({ required: true, nonEmpty: true })).filter((s): s is string => s !== undefined) ?? [];
      const sas = (mtls.get("serviceAccounts").list() ?? []).map((s) => s.get("name").string({ required: true, nonEmpty: true }) && `${s.get("namespace").string() ?? namespace}/${s.get("name").string()}`).filter((s): s is string => typeof s === "string");
      identities = [
        ...(ids.length ? [{ attribute: "source.principal" as const, values: ids.map(identityMatch) }] : []),
        ...(sas.length ? [{ attribute: "source.serviceAccount" as const, values: sas.map((v): StringMatch => ({ kind: "exact", value: v })) }] : []),
      ];
      if (!identities.length) return mtls.error("required", "meshTLS authorizes no client: set unauthenticatedTLS, identities or serviceAccounts");
    }
  } else return f.error("required", "set unauthenticated: true or meshTLS");
  return { index: 0, from: clientClauses(identities, networks), path: ["spec", "client"] };
}

/**
 * EgressNetwork (policy-controller/k8s/api/src/policy/egress_network.rs): `trafficPolicy` (Allow or
 * Deny, required) and `networks` (CIDRs with `except`; unset: every address outside the cluster
 * networks). What it changes is the outbound side of a meshed client (engine/mesh/egress.ts).
 */
const egressNetworkFrontEnd: FrontEnd = {
  kind: "EgressNetwork", apiVersions: api("v1alpha1"), namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const trafficPolicy = spec.get("trafficPolicy").string({ required: true, oneOf: ["Allow", "Deny"] }) as "Allow" | "Deny" | undefined;
    const networks = spec.get("networks").present ? readNetworks(spec.get("networks")) : undefined;
    if (!meta || !trafficPolicy) return;
    b.inv.mesh.linkerd.egressNetworks.push({
      name: meta.name, namespace: meta.namespace!, trafficPolicy, ...(networks ? { networks } : {}), annotations: meta.annotations ?? {}, created: readCreated(root), src: ctx.ref,
    });
  },
};

export const linkerdPolicyFrontEnds: FrontEnd[] = [serverFrontEnd, authorizationPolicyFrontEnd, serverAuthorizationFrontEnd, meshTlsFrontEnd, networkAuthFrontEnd, egressNetworkFrontEnd];
