// Lowering one object: validate it and hand it to the front end of its kind (load.ts reads every
// object through here).

import type { Diagnostics } from "../model/source.js";
import type { InventoryBuilder } from "./builder.js";
import type { RawObject } from "./documents.js";
import { Field, ObjectContext } from "./fields.js";
import type { FrontEnd, KindHook } from "./frontend.js";
import { ObjectIndex } from "../model/gateway.js";
import { checkObject } from "./schema/index.js";
import { isJsonName } from "./documents.js";
import { readingJson } from "./intern.js";
import { serverAccepted } from "./schema/validate.js";
import { currentApiVersion, toCurrentVersion } from "./removed.js";
import { coreFrontEnds } from "./core.js";
import { discoveryFrontEnds } from "./discovery.js";
import { networkPolicyFrontEnd } from "./networkpolicy.js";
import { adminPolicyFrontEnds } from "./adminpolicy.js";
import { clusterPolicyFrontEnds } from "./clusterpolicy.js";
import { commonFrontEnds } from "./common.js";
import { ingressFrontEnds } from "./ingress/frontend.js";
import { openshiftFrontEnds } from "./openshift.js";
import { gatewayApiFrontEnds } from "./gateway/index.js";
import { trafficPolicyFrontEnd } from "./trafficpolicy.js";
import { calicoFrontEnds, calicoKindHooks } from "./calico/index.js";
import { ingressNginxKindHooks } from "./ingress/nginx-annotations.js";
import { kubeProxyKindHooks } from "./kube-proxy-config.js";
import { ciliumFrontEnds, ciliumKindHooks } from "./cilium.js";
import { istioProxyConfigHooks } from "./istio/proxyconfig.js";
import { envoyGatewayFrontEnds } from "./envoy-gateway.js";
import { envoyGatewayClientFrontEnds } from "./envoy-gateway-client.js";
import { envoyGatewaySecurityFrontEnds } from "./envoy-gateway-security.js";
import { istioFrontEnds } from "./istio/index.js";
import { linkerdFrontEnds } from "./linkerd/index.js";
import { kubevirtFrontEnds } from "./kubevirt.js";
import { ovnFrontEnds } from "./ovn.js";
import { multusFrontEnds } from "./multus.js";

export const FRONT_ENDS: readonly FrontEnd[] = [
  ...coreFrontEnds,
  ...discoveryFrontEnds,
  networkPolicyFrontEnd,
  ...adminPolicyFrontEnds,
  ...clusterPolicyFrontEnds,
  ...commonFrontEnds,
  ...ingressFrontEnds,
  ...openshiftFrontEnds,
  ...gatewayApiFrontEnds,
  ...envoyGatewayFrontEnds,
  ...envoyGatewayClientFrontEnds,
  ...envoyGatewaySecurityFrontEnds,
  trafficPolicyFrontEnd,
  ...calicoFrontEnds,
  ...ciliumFrontEnds,
  ...istioFrontEnds,
  ...linkerdFrontEnds,
  ...kubevirtFrontEnds,
  ...ovnFrontEnds,
  ...multusFrontEnds,
];

/** Vendor front ends' readings of built-in kinds, by kind (run after the kind's front end). */
const KIND_HOOKS: readonly KindHook[] = [...calicoKindHooks, ...ingressNginxKindHooks, ...kubeProxyKindHooks, ...ciliumKindHooks, ...istioProxyConfigHooks];
const hooksByKind = new Map<string, KindHook[]>();
for (const h of KIND_HOOKS) hooksByKind.set(h.kind, [...(hooksByKind.get(h.kind) ?? []), h]);

const byKind = new Map<string, FrontEnd[]>();
for (const f of FRONT_ENDS) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
/**
 * Front ends by their kind lowercased, and by its plural and singular spellings (`networkpolicies`,
 * `services`, `endpoint`): words the API server's RESTMapper, which matches a kind exactly, never
 * takes for that kind, and which no API serves beside it in the same version.
 */
const byLowerKind = new Map<string, FrontEnd[]>();
for (const f of FRONT_ENDS) {
  const k = f.kind.toLowerCase();
  const spellings = new Set([k, `${k}s`, `${k}es`, k.endsWith("y") ? `${k.slice(0, -1)}ies` : k, k.endsWith("s") ? k.slice(0, -1) : k]);
  for (const w of spellings) byLowerKind.set(w, [...(byLowerKind.get(w) ?? []), f]);
}

/**
 * A kind no API can serve: a CustomResourceDefinition's kind must be a DNS-1035 label once
 * lowercased (apiextensions' ValidateCustomResourceDefinitionNames), and built-in kinds are Go
 * type names, so a kind with a space, a dot or an underscore, or one of more than 63 characters,
 * matches nothing ("no matches for kind").
 */
function impossibleKind(kind: string): boolean {
  return kind.length > 63 || !/^[a-z](?:[-a-z0-9]*[a-z0-9])?$/.test(kind.toLowerCase());
}

/**
 * Validates one object and hands it to the front end of its kind. `noted`: Identities.add put the
 * object in the model's index of objects already (Identities.noted), where noteObject would find it.
 */
export function lower(written: RawObject, b: InventoryBuilder, diags: Diagnostics, noted = false): void {
  // A built-in kind in a version current releases no longer serve: read as its replacement (removed.ts).
  // (Asked only of such a version: serverAccepted reads three fields of every object.)
  let raw = written;
  if (kindVersion(written.kind, written.apiVersion).removed) {
    const converted = toCurrentVersion(written, serverAccepted(written.obj));
    raw = converted.raw;
    if (converted.message) diags.add({ severity: converted.severity!, code: "removed-version", message: converted.message, ref: raw.ref, field: ["apiVersion"] });
  }
  const checked = checkObject(raw, diags);
  readingJson(fromJson(raw.ref.file));
  dispatch(raw, b, diags, noted);
  // (Steps deferred to the end of the load read what they kept, whatever file it came from.)
  readingJson(false);
  checked.finish();
}

/** Whether a file's objects come from JSON.parse (a `.json` file, unless it is YAML: documents.ts readValues; a wrong answer costs memory only); asked per object, answered per file. */
function fromJson(file: string): boolean {
  if (file !== lastFile) { lastFile = file; lastJson = isJsonName(file); }
  return lastJson;
}
let lastFile: string | undefined;
let lastJson = false;

/**
 * The identities of the objects a load reads, to find a second definition of one: an object's API
 * group (a Calico NetworkPolicy is not a Kubernetes one; a removed version's is its replacement's:
 * removed.ts), kind, namespace (identityNamespace) and name.
 *
 * Nearly every object's identity is also its key in the model's index of objects (routing.objectKeys,
 * which noteObject fills as each object is lowered): a kind Junction reads, in a served version, whose
 * apiVersion has at most one slash (identity and references then read the same group and
 * namespace). Those identities are added to the model's index itself, so that a load keeps one set of
 * names, not two (a name per pod: 174k names and their tables at 100k pods, each added twice);
 * noteObject then finds them there. The others (kinds Junction does not read, whose identity
 * namespace is "default" for none where their noted one is ""; a removed version; an apiVersion with
 * more slashes) are kept apart, and each side asks the other: an identity is found either way.
 * (Why nothing else can be found: an identity's group has no slash and, for a kind Junction does
 * not read, its namespace is never ""; a key noteObject adds for another object that equals it is
 * that object's identity too.)
 */
export class Identities {
  private readonly others = new ObjectIndex();
  private hasOthers = false;
  /**
   * The last object add() put in the model's index under its identity, which is then its key there
   * too (a kind Junction reads, in a served version, whose apiVersion has at most one slash):
   * lowering it need not note it again (lower's `noted`).
   */
  noted: RawObject | undefined;

  constructor(private readonly model: ObjectIndex) {}

  /** Adds the object's identity; false when an object of that identity was read already (a second definition); true for an object without a name (it has no identity). */
  add(raw: RawObject): boolean {
    const md = raw.obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
    if (typeof md?.name !== "string") return true;
    const kind = raw.kind, kv = kindVersion(kind, raw.apiVersion);
    const group = kv.group, ns = identityNamespace(kv.namespaced, md.namespace);
    if (kv.indexed) {
      if (!this.model.add(group, kind, ns, md.name)) return false;
      this.noted = raw;
      return !(this.hasOthers && this.others.has(group, kind, ns, md.name));
    }
    this.hasOthers = true;
    return !this.model.has(group, kind, ns, md.name) && this.others.add(group, kind, ns, md.name);
  }
}

/** The same identity as a string, "Kind.group/namespace/name" (for the slow path of lastDefinitions). */
export function identity(raw: RawObject): string | undefined {
  const md = raw.obj.metadata as { name?: unknown; namespace?: unknown } | undefined;
  if (typeof md?.name !== "string") return undefined;
  const kv = kindVersion(raw.kind, raw.apiVersion), group = kv.group;
  // join makes one flat string (a template literal, a tree of pieces: slower to hash, larger to hold).
  return [group ? `${raw.kind}.${group}` : raw.kind, identityNamespace(kv.namespaced, md.namespace), md.name].join("/");
}

/** The namespace of an object's identity: "default" when a namespaced kind (KindVersion.namespaced) gives none (or ""), none ("") for a cluster-scoped kind. */
function identityNamespace(namespaced: boolean, namespace: unknown): string {
  return namespaced ? (typeof namespace === "string" && namespace !== "" ? namespace : "default") : "";
}

/**
 * What an object's kind and apiVersion decide about its identity and its reading, worked out once
 * per pair (a load's objects share a few dozen; each object asked half a dozen tables before).
 */
interface KindVersion {
  readonly kind: string;
  readonly apiVersion: string;
  /** The identity's group (of its replacement's apiVersion when this one is removed: currentApiVersion). */
  readonly group: string;
  /** identityNamespace's scope: the kind's front end's, namespaced when no front end reads it. */
  readonly namespaced: boolean;
  /** Identities.add puts the identity in the model's index itself (see Identities). */
  readonly indexed: boolean;
  /** A version current releases no longer serve (removed.ts): lower reads the object as its replacement. */
  readonly removed: boolean;
  /** The front ends of the kind (undefined: no front end reads it), the one that reads this apiVersion, and the kind's hooks. */
  readonly candidates: readonly FrontEnd[] | undefined;
  readonly frontEnd: FrontEnd | undefined;
  readonly hooks: readonly KindHook[] | undefined;
}

function kindVersion(kind: string, apiVersion: string): KindVersion {
  const last = lastKindVersion;
  if (last !== undefined && last.kind === kind && last.apiVersion === apiVersion) return last;
  let versions = kindVersions.get(kind);
  let kv = versions?.get(apiVersion);
  if (kv === undefined) {
    const current = currentApiVersion(apiVersion, kind), groups = groupsOf(current), candidates = byKind.get(kind);
    kv = {
      kind, apiVersion, group: groups[0],
      namespaced: candidates?.[0]?.namespaced ?? true,
      indexed: current === apiVersion && groups[0] === groups[1] && candidates !== undefined,
      removed: current !== apiVersion,
      candidates,
      frontEnd: candidates === undefined ? undefined : apiVersion === "" ? candidates[0] : frontEndOf(candidates, apiVersion),
      hooks: hooksByKind.get(kind),
    };
    // (Bounded, as groupCache: an input of a million made-up apiVersions must not grow it for the process's life.)
    if (versions === undefined || versions.size >= 1024) {
      if (kindVersions.size >= 1024) kindVersions.clear();
      kindVersions.set(kind, (versions = new Map()));
    }
    versions.set(apiVersion, kv);
  }
  lastKindVersion = kv;
  return kv;
}

const kindVersions = new Map<string, Map<string, KindVersion>>();
let lastKindVersion: KindVersion | undefined;

function dispatch(raw: RawObject, b: InventoryBuilder, diags: Diagnostics, noted: boolean): void {
  const kv = kindVersion(raw.kind, raw.apiVersion), candidates = kv.candidates;
  if (!noted) noteObject(raw, b, kv);
  if (!candidates) {
    // Kinds are case-sensitive to the API server's RESTMapper: kubectl fails on `kind: networkpolicy`
    // ("no matches for kind"), so such an object is an error here, not an unknown kind skipped.
    const meant = byLowerKind.get(raw.kind.toLowerCase())?.find((f) => f.apiVersions.includes(raw.apiVersion));
    const noMatch = `kubectl fails on it: no matches for kind ${JSON.stringify(raw.kind)} in version ${JSON.stringify(raw.apiVersion)}`;
    if (meant) new ObjectContext(raw.ref, diags, raw.kind, raw.obj).error(["kind"], "unknown-kind", `no kind ${JSON.stringify(raw.kind)} in ${raw.apiVersion}: ${meant.kind.toLowerCase() === raw.kind.toLowerCase() ? "kinds are case-sensitive" : "kinds are matched exactly"} (did you mean ${meant.kind}?); ${noMatch}`);
    else if (impossibleKind(raw.kind)) new ObjectContext(raw.ref, diags, raw.kind, raw.obj).error(["kind"], "unknown-kind", `no API serves kind ${JSON.stringify(raw.kind)}: a kind is at most 63 letters, digits and '-', starting with a letter (a CustomResourceDefinition's must be so); ${noMatch}`);
    else b.countUnknown(raw.kind);
    return;
  }
  const ctx = new ObjectContext(raw.ref, diags, raw.kind, raw.obj);
  const fe = kv.frontEnd;
  if (!fe) {
    const served = candidates.flatMap((f) => f.apiVersions);
    ctx.error(["apiVersion"], "unsupported-version", `${raw.kind} ${JSON.stringify(raw.apiVersion)} is not supported (supported: ${served.join(", ")})`);
    return;
  }
  const root = Field.root(ctx, raw.obj);
  fe.read(root, ctx, b);
  const hooks = kv.hooks;
  if (hooks !== undefined) for (const h of hooks) h.read(root, ctx, b);
}

/** The front end among a kind's that reads `apiVersion` (a loop: no closure made per object). */
function frontEndOf(candidates: readonly FrontEnd[], apiVersion: string): FrontEnd | undefined {
  for (let i = 0; i < candidates.length; i++) if (candidates[i].apiVersions.includes(apiVersion)) return candidates[i];
  return undefined;
}

/**
 * Records that the object exists, so that references to kinds no front end reads can be resolved:
 * an object of a kind Junction reads under the namespace it is in (`default` for a namespaced kind
 * written without one, none for a cluster-scoped kind), as its identity; one of another kind, whose
 * scope Junction does not know, under its namespace as written ("" for none: model/gateway.ts
 * hasObject finds it from `default` only, where it is if namespaced, and from cluster-scoped references).
 */
function noteObject(raw: RawObject, b: InventoryBuilder, kv: KindVersion): void {
  const md = raw.obj.metadata as Record<string, unknown> | undefined;
  if (typeof md?.name !== "string") return;
  const namespace = kv.candidates !== undefined ? identityNamespace(kv.namespaced, md.namespace) : typeof md.namespace === "string" ? md.namespace : "";
  b.inv.routing.objectKeys.add(referenceGroup(raw.apiVersion), raw.kind, namespace, md.name);
}

/** The group an apiVersion names as references name it (up to the last slash). */
function referenceGroup(apiVersion: string): string {
  return groupsOf(apiVersion)[1];
}

/** An apiVersion's group up to its first slash and up to its last, made once per apiVersion (objects share a few). */
function groupsOf(apiVersion: string): readonly [string, string] {
  let groups = groupCache.get(apiVersion);
  if (groups === undefined) {
    const slash = apiVersion.indexOf("/");
    groups = slash < 0 ? ["", ""] : [apiVersion.slice(0, slash), apiVersion.slice(0, apiVersion.lastIndexOf("/"))];
    // (Bounded: an input of a million made-up apiVersions must not grow it for the process's life.)
    if (groupCache.size >= 1024) groupCache.clear();
    groupCache.set(apiVersion, groups);
  }
  return groups;
}

const groupCache = new Map<string, readonly [string, string]>();
