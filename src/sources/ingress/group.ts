// First step of the conversion: which Ingresses are converted (by class), and their paths grouped
// per (namespace, class, host, protocol) and per distinct path, with the backends each Ingress
// names for it, the canary ones apart.

import type { Diagnostic } from "../../model/source.js";
import type { Inventory } from "../../model/inventory.js";
import { nginxIngressOrder, type Ingress, type IngressBackend, type IngressPathType } from "../../model/ingress.js";
import { ingressClassOf, ingressNginxOf, servedByNginx } from "../../model/nginx-controller.js";
import { findService, servicePortsFor } from "../../model/services.js";
import type { BackendRef, PathMatch } from "./ir.js";
import type { ConversionReport } from "./report.js";
import { nginxRiskLevel, riskyAnnotation } from "./nginx-annotations.js";
import type { NginxController } from "../../model/nginx.js";
import { formatSelector, matches } from "../../model/selector.js";

export interface Contribution {
  ref: BackendRef;
  ingress: Ingress;
  /** The Ingress path's own pathType (Prefix and ImplementationSpecific are both PathPrefix matches). */
  pathType?: IngressPathType;
  /**
   * A canary path no location of its host has (same path and pathType): mergeAlternativeBackends does not merge it
   * ("unable to find real backend for alternative backend %v. Deleting.").
   */
  unmatched?: true;
}

/** One distinct path of a host: the backends the main Ingresses and the canaries give it. */
export interface PathEntry {
  /** undefined: the default backend (every path not matched otherwise). */
  match?: PathMatch;
  mains: Contribution[];
  canaries: Contribution[];
}

export interface HostGroup {
  namespace: string;
  className: string;
  host?: string;
  protocol: "http" | "grpc";
  /** ingress-nginx serves the class: its defaults apply (model/nginx-controller.ts servedByNginx). */
  ingressNginx: boolean;
  ingresses: Ingress[];
  entries: PathEntry[];
}

const PATH_TYPE: Record<IngressPathType, PathMatch["type"]> = { Exact: "Exact", Prefix: "PathPrefix", ImplementationSpecific: "PathPrefix" };

/**
 * How an Ingress's annotations riskier than ingress-nginx's default annotations-risk-level (High) are
 * read when the input lacks the controller's ConfigMap: "reject", as the controller at its default
 * (routing: an answer that a location is served needs the controller to serve it); "admit", as the
 * cluster that holds the Ingress shows (`convert ingress`: the controller's admission webhook checks
 * the same level, CheckAnnotationRisk, and let it in; a warning says so).
 */
export type UnknownRiskLevel = "reject" | "admit";

/** Why ingress-nginx, when it serves the Ingress (class `cls`), rejects it whole: an annotation failing its validator, else one riskier than the controller allows. */
function nginxRejection(ing: Ingress, cls: string, inv: Inventory, unknownRisk: UnknownRiskLevel, report: ConversionReport): string | undefined {
  if (!servedByNginx(inv, cls, [ing])) return undefined;
  if (ing.nginx.rejected) return ing.nginx.rejected;
  // The annotations-risk-level of each controller serving the class (model/nginx-controller.ts): each is its own nginx
  // and rejects by its own ConfigMap (controller.go CheckIngress / getBackendServers `CheckAnnotationRisk(anns,
  // riskLevel)`). Rejected only when every one rejects it: where one serves it, the answer depends on the controller a
  // request reaches (controllersDisagree, their annotations-risk-level differing, makes it unknown; --ingress-controller picks one).
  const serving = ingressNginxOf(inv, cls);
  const verdicts = (serving.controllers.length > 1 ? serving.controllers.map((c) => c.config?.riskLevel) : [serving.config?.riskLevel])
    .map((level) => riskyAnnotation(ing.nginx, nginxRiskLevel(level)));
  const risky = verdicts.every((v) => v !== undefined) ? verdicts[0] : undefined;
  if (!risky || serving.known || unknownRisk === "reject") return risky;
  report.note(ing, "warning", `${risky} (the default; the input has no controller ConfigMap): converted as served, since a cluster holding this Ingress let it through the controller's admission webhook, which checks the same level; if the level is the default there, ingress-nginx serves none of it (add the controller's ConfigMap to the input to decide)`);
  return undefined;
}

/**
 * Why no controller of the input serving the class sees the Ingress: each watches another namespace (--watch-namespace:
 * its informers are namespaced, so it never reads the Ingress). Undefined when one sees it, or the input holds none.
 */
function unwatchedBy(ing: Ingress, cls: string, inv: Inventory): string | undefined {
  const controllers = ingressNginxOf(inv, cls).controllers;
  // --watch-namespace-selector: store.go watchedNamespace, the namespace's labels (a namespace not in the input: its
  // kubernetes.io/metadata.name label only).
  const labels = inv.namespaces.get(ing.namespace)?.labels ?? { "kubernetes.io/metadata.name": ing.namespace };
  const watches = (c: NginxController) => (c.watchNamespace === undefined || c.watchNamespace === ing.namespace)
    && (c.watchNamespaceSelector === undefined || (c.watchNamespaceSelector !== null && matches(c.watchNamespaceSelector, labels)));
  if (!controllers.length || controllers.some(watches)) return undefined;
  const why = (c: NginxController) => c.watchNamespaceSelector === null ? "does not start (its --watch-namespace-selector)"
    : c.watchNamespaceSelector ? `--watch-namespace-selector=${formatSelector(c.watchNamespaceSelector)}` : `--watch-namespace=${c.watchNamespace}`;
  return `the ingress-nginx controllers of class ${JSON.stringify(cls)} watch other namespaces (${controllers.map((c) => `${c.kind} ${c.namespace}/${c.name}: ${why(c)}`).join(", ")}): none serves it`;
}

/**
 * The Ingresses to convert with their class, the others reported: sorted by namespace and name (`convert ingress`,
 * ingress2gateway's order), or, `nginx` (routing), in ingress-nginx's order (model/ingress.ts nginxIngressOrder), whose
 * first Ingress wins where several configure one thing.
 */
export function selectIngresses(inv: Inventory, onlyClass: string | undefined, report: ConversionReport, unknownRisk: UnknownRiskLevel, nginx = false): [Ingress, string][] {
  const out: [Ingress, string][] = [];
  const sorted = [...inv.ingress.ingresses].sort(nginx ? nginxIngressOrder : (a, b) => (a.namespace + "/" + a.name < b.namespace + "/" + b.name ? -1 : 1));
  for (const ing of sorted) {
    const cls = ingressClassOf(ing, inv);
    const rejected = cls === undefined || (onlyClass !== undefined && cls !== onlyClass) ? undefined : nginxRejection(ing, cls, inv, unknownRisk, report);
    const unwatched = cls !== undefined && rejected === undefined ? unwatchedBy(ing, cls, inv) : undefined;
    if (unwatched) report.skip(ing, "warning", unwatched);
    else if (cls === undefined) report.skip(ing, "warning", "the Ingress has no class and no single IngressClass is marked default (nor does an ingress-nginx controller of the input watch Ingresses without class: --watch-ingress-without-class)");
    else if (onlyClass !== undefined && cls !== onlyClass) report.skip(ing, "info", `its class is ${JSON.stringify(cls)}, not ${JSON.stringify(onlyClass)}`);
    else if (rejected) report.skip(ing, "warning", `ingress-nginx rejects the whole Ingress (${rejected}): it serves none of its rules`);
    // Routing: ingress-nginx serves it (nginx.tmpl `fastcgi_pass`, the location matched as any other); only Gateway API cannot.
    else if (ing.nginx.backendProtocol === "FCGI" && !nginx) {
      report.skip(ing, "error", "backend-protocol FCGI has no Gateway API equivalent");
      report.annotation(ing, "backend-protocol", "not-translated", "FastCGI backends cannot be expressed in Gateway API");
    } else out.push([ing, cls]);
  }
  return out;
}

/** Host groups in order of first appearance, each with its paths and default backend entry. */
export function groupPaths(selected: readonly [Ingress, string][], inv: Inventory, errors: Diagnostic[], scope: "class" | "namespace" = "namespace"): HostGroup[] {
  const groups = new Map<string, HostGroup>();
  const nginx = new Map<string, boolean>();
  for (const [, cls] of selected) {
    if (!nginx.has(cls)) nginx.set(cls, servedByNginx(inv, cls, selected.filter(([, c]) => c === cls).map(([i]) => i)));
  }
  const groupFor = (ing: Ingress, cls: string, host: string | undefined) => {
    // ingress-nginx's locations are paths of the host's server whatever their backend-protocol (nginx.tmpl grpc_pass or
    // proxy_pass): in the route graph one HTTPRoute per host takes gRPC and other requests alike; `convert ingress` writes a
    // GRPCRoute, as ingress2gateway does.
    const grpc = (ing.nginx.backendProtocol === "GRPC" || ing.nginx.backendProtocol === "GRPCS") && !(scope === "class" && nginx.get(cls));
    const protocol = grpc ? "grpc" : "http";
    const key = JSON.stringify([ing.namespace, cls, host ?? "", protocol]);
    let g = groups.get(key);
    if (!g) { g = { namespace: ing.namespace, className: cls, host, protocol, ingressNginx: nginx.get(cls)!, ingresses: [], entries: [] }; groups.set(key, g); }
    if (!g.ingresses.includes(ing)) g.ingresses.push(ing);
    return g;
  };
  const canaries: { g: HostGroup; match: PathMatch; c: Contribution }[] = [];
  for (const [ing, cls] of selected) {
    for (const rule of ing.rules) {
      const g = groupFor(ing, cls, rule.host);
      for (const p of rule.paths) {
        const ref = backendRef(inv, ing, p.backend, [...p.field, "backend"], errors);
        // ingress-nginx writes an ImplementationSpecific path as `location "/foo"`: a string prefix (routing only). One
        // ending in "/" matches as whole segments do (its bare name is nginx's 301, features.ts trailingSlashRedirects).
        const stringPrefix = scope === "class" && g.ingressNginx && p.pathType === "ImplementationSpecific" && !p.path.endsWith("/");
        const match: PathMatch = { type: PATH_TYPE[p.pathType], value: p.path, ...(stringPrefix ? { characterwise: true as const } : {}) };
        const c = { ref, ingress: ing, pathType: p.pathType };
        if (ref && ing.nginx.canary && g.ingressNginx) canaries.push({ g, match, c: { ...c, ref } });
        else if (ref) addPath(g, match, { ...c, ref });
      }
    }
  }
  for (const { g, match, c } of canaries) addCanary(g, match, c, [...groups.values()], scope);
  for (const [ing, cls] of selected) {
    // Routing an ingress-nginx class: the controller's own reading (addNginxDefaultBackends, per class below).
    if (scope === "namespace" || !nginx.get(cls)) addDefaultBackend(ing, cls, inv, groupFor, errors);
  }
  if (scope === "class") {
    for (const cls of new Set(selected.map(([, c]) => c))) {
      if (nginx.get(cls)) addNginxDefaultBackends(selected.filter(([, c]) => c === cls).map(([i]) => i), cls, inv, () => [...groups.values()], groupFor, errors);
    }
  }
  return [...groups.values()];
}

/**
 * Where ingress-nginx serves the spec.defaultBackend of its Ingresses (controller.go createServers, the Ingresses in
 * nginxIngressOrder, canaries skipped: "Ingress %v is marked as Canary, ignoring"):
 * - the catch-all server "_": the first Ingress with a Service defaultBackend and no rules at all (`if defLoc.IsDefBackend
 *   && len(ing.Spec.Rules) == 0`: "Using it to configure the catch-all server"; `defLoc.IsDefBackend = false`, so no
 *   later one, nor a host-less path "/" of type Prefix, replaces it: "Location %q already configured");
 * - host H: the server's root location "/" is created by the first Ingress with a rule for H (`if _, ok :=
 *   servers[host]; ok { continue }`), with that Ingress's defaultBackend (`un`), else the controller's default backend;
 *   a path "/" of type Prefix replaces it (IsDefBackend). A later Ingress's defaultBackend never reaches H, and the
 *   defaultBackend of an Ingress with host-less rules never reaches "_" (created before every Ingress).
 * A defaultBackend naming a resource, not a Service, is never used (`ing.Spec.DefaultBackend.Service != nil`).
 */
export interface NginxDefaultBackends {
  catchAll?: Ingress;
  /** Host → the Ingress whose defaultBackend is the host's root location. */
  hosts: Map<string, Ingress>;
}

export function nginxDefaultBackends(ingresses: readonly Ingress[]): NginxDefaultBackends {
  const mains = ingresses.filter((i) => !i.nginx.canary).sort(nginxIngressOrder);
  const service = (i: Ingress) => i.defaultBackend?.kind === "service";
  const hosts = new Map<string, Ingress>();
  const created = new Set<string>();
  for (const i of mains) {
    for (const r of i.rules) {
      if (r.host === undefined || created.has(r.host)) continue;
      created.add(r.host);
      if (service(i)) hosts.set(r.host, i);
    }
  }
  return { catchAll: mains.find((i) => service(i) && !i.rules.length), hosts };
}

/**
 * `convert ingress` writes a spec.defaultBackend as ingress2gateway does (the fallback of the Ingress's hosts, or of
 * every host): a warning for each Ingress of an ingress-nginx class whose defaultBackend the controller serves
 * elsewhere (nginxDefaultBackends); `--verify` shows the requests answered differently.
 */
export function noteNginxDefaultBackends(selected: readonly [Ingress, string][], inv: Inventory, report: ConversionReport): void {
  for (const cls of new Set(selected.map(([, c]) => c))) {
    const members = selected.filter(([, c]) => c === cls).map(([i]) => i);
    if (!servedByNginx(inv, cls, members)) continue;
    const d = nginxDefaultBackends(members);
    for (const ing of members.filter((i) => i.defaultBackend && !i.nginx.canary)) {
      const hosts = [...new Set(ing.rules.map((r) => r.host).filter((h): h is string => h !== undefined))];
      const why: string[] = [];
      if (ing.defaultBackend!.kind !== "service") why.push("it names no Service (ingress-nginx uses only a Service defaultBackend)");
      else if (!ing.rules.length) {
        // The first in ingress-nginx's order wins, as the conversion's within a namespace (canary.ts firstOf says so).
        const first = d.catchAll!;
        if (first !== ing && first.namespace !== ing.namespace) why.push(`the catch-all server takes the defaultBackend of Ingress ${first.namespace}/${first.name}, the first without rules`);
        // The catch-all's root location is no default any more (IsDefBackend false): a host-less path "/" of type Prefix
        // is "already configured" there, where the conversion's route for that path outranks every default backend.
        const shadowing = first === ing ? members.filter((i) => !i.nginx.canary && i.rules.some((r) => r.host === undefined && r.paths.some((p) => p.path === "/" && p.pathType === "Prefix"))).sort(nginxIngressOrder) : [];
        if (shadowing.length) report.note(ing, "warning", `spec.defaultBackend converted as ingress2gateway does (the fallback of every host), but ingress-nginx serves it in place of the host-less path "/" of type Prefix of Ingress ${shadowing.map((i) => `${i.namespace}/${i.name}`).join(", ")}: its catch-all server's root location is this defaultBackend, and that path is "already configured" there, while the converted route for the path takes those requests (controller.go createServers; --verify shows the difference)`);
      } else if (!hosts.length) why.push("an Ingress with rules configures no catch-all server (only one without rules does)");
      else {
        // A path "/" (not Exact) of the host leaves no request to a default backend, on either side.
        const rooted = (h: string) => members.some((i) => !i.nginx.canary && i.rules.some((r) => r.host === h && r.paths.some((p) => p.path === "/" && p.pathType !== "Exact")));
        for (const h of hosts) {
          if (d.hosts.get(h) === ing || rooted(h)) continue;
          const first = members.filter((i) => !i.nginx.canary && i.rules.some((r) => r.host === h)).sort(nginxIngressOrder)[0];
          why.push(`host ${h}'s server is created by Ingress ${first.namespace}/${first.name} (the first with a rule for it), so ${d.hosts.get(h) ? "its defaultBackend" : "the controller's default backend"} serves the host's other paths`);
        }
      }
      if (why.length) report.note(ing, "warning", `spec.defaultBackend converted as ingress2gateway does (the fallback of ${hosts.length ? hosts.join(", ") : "every host"}), but ingress-nginx does not serve it there: ${why.join("; ")} (controller.go createServers; --verify shows the difference)`);
    }
  }
}

/**
 * The route graph's default backends of one ingress-nginx class (nginxDefaultBackends). A canary's defaultBackend is
 * merged into the catch-all server "_" (mergeAlternativeBackends: "merge catch-all alternative backends", `for _, loc :=
 * range servers[defServerName].Locations`, canMergeBackend: not the controller's default upstream): every location of it
 * whose upstream is a Service's, its root and each host-less rule's path, and through their upstreams every location
 * sharing one (canary.ts planCanaries); the canaries in ingress-nginx's order.
 */
function addNginxDefaultBackends(ingresses: readonly Ingress[], cls: string, inv: Inventory, groups: () => HostGroup[], groupFor: (i: Ingress, c: string, h?: string) => HostGroup, errors: Diagnostic[]): void {
  const d = nginxDefaultBackends(ingresses);
  const add = (ing: Ingress, host: string | undefined) => {
    const ref = backendRef(inv, ing, ing.defaultBackend!, ["spec", "defaultBackend"], errors);
    if (!ref) return;
    const g = groupFor(ing, cls, host);
    addPath(g, undefined, { ref, ingress: ing });
    moveDefaultLast(g);
  };
  if (d.catchAll) {
    // The catch-all's root location is no default any more: a host-less path "/" of type Prefix is not added.
    for (const g of groups().filter((x) => x.className === cls && x.host === undefined)) {
      for (const e of g.entries) if (e.match?.type === "PathPrefix" && e.match.value === "/" && !e.match.characterwise) e.mains = e.mains.filter((c) => c.pathType !== "Prefix");
      g.entries = g.entries.filter((e) => e.mains.length || e.canaries.some((c) => !c.unmatched));
    }
    add(d.catchAll, undefined);
  }
  for (const [host, ing] of d.hosts) add(ing, host);
  for (const ing of ingresses.filter((i) => i.nginx.canary && i.defaultBackend?.kind === "service").sort(nginxIngressOrder)) {
    const ref = backendRef(inv, ing, ing.defaultBackend!, ["spec", "defaultBackend"], errors);
    if (!ref) continue;
    for (const g of groups().filter((x) => x.className === cls && x.host === undefined)) {
      // A location without a main (a canary path alone) or with a resource backend has no upstream to merge into.
      for (const e of g.entries.filter((x) => x.mains.length && !x.mains[0].ref.kind)) e.canaries.push({ ref: g.namespace === ing.namespace ? ref : { ...ref, namespace: ing.namespace }, ingress: ing });
    }
  }
}

/**
 * An ingress-nginx canary path joins the location of its host with the same path and pathType (controller.go
 * mergeAlternativeBackends: `loc.Path == path.Path && *loc.PathType == *path.PathType`), whatever the location's
 * namespace: a server is a host, shared by the Ingresses of every namespace. For routing (scope "class") a canary of
 * another namespace joins it, its backend in its own namespace; `convert ingress` keeps it to its namespace (a route
 * naming another namespace's Service needs a ReferenceGrant). Without such a location the canary is unmatched.
 */
function addCanary(own: HostGroup, match: PathMatch, c: Contribution, groups: readonly HostGroup[], scope: "class" | "namespace"): void {
  const same = (g: HostGroup) => g.className === own.className && g.host === own.host && g.protocol === own.protocol && (scope === "class" || g.namespace === own.namespace);
  for (const g of [own, ...groups.filter((x) => x !== own && same(x))]) {
    const e = g.entries.find((x) => sameMatch(x.match, match) && x.mains.length);
    // "Same paths but different types are allowed" (getBackendServers): a location of each pathType.
    if (!e || !e.mains.some((m) => m.pathType === c.pathType)) continue;
    e.canaries.push(g === own ? c : { ...c, ref: { ...c.ref, namespace: c.ingress.namespace } });
    return;
  }
  addPath(own, match, { ...c, unmatched: true });
}

const sameMatch = (a: PathMatch | undefined, b: PathMatch | undefined) => a?.type === b?.type && a?.value === b?.value && a?.characterwise === b?.characterwise;

function addPath(g: HostGroup, match: PathMatch | undefined, c: Contribution): void {
  let e = g.entries.find((x) => sameMatch(x.match, match));
  if (!e) { e = { match, mains: [], canaries: [] }; g.entries.push(e); }
  (c.ingress.nginx.canary ? e.canaries : e.mains).push(c);
  // Two Ingresses with one host, path and pathType: the location is the first's in ingress-nginx's order (getBackendServers:
  // "Location %q already configured for server %q"; model/ingress.ts nginxIngressOrder), for routing and conversion alike.
  if (e.mains.length > 1 && c.ingress !== e.mains[0].ingress) e.mains.sort((a, b) => nginxIngressOrder(a.ingress, b.ingress));
}

/**
 * spec.defaultBackend, as ingress-nginx serves it: the fallback of every host of the Ingress's
 * rules (after their paths), or of every host when the Ingress has no rule with a host.
 */
function addDefaultBackend(ing: Ingress, cls: string, inv: Inventory, groupFor: (i: Ingress, c: string, h?: string) => HostGroup, errors: Diagnostic[]): void {
  if (!ing.defaultBackend) return;
  const ref = backendRef(inv, ing, ing.defaultBackend, ["spec", "defaultBackend"], errors);
  const hosts = [...new Set(ing.rules.map((r) => r.host).filter((h): h is string => h !== undefined))];
  for (const host of hosts.length ? hosts : [undefined]) {
    const g = groupFor(ing, cls, host);
    if (ref) { addPath(g, undefined, { ref, ingress: ing }); moveDefaultLast(g); }
  }
}

function moveDefaultLast(g: HostGroup): void {
  const i = g.entries.findIndex((e) => e.match === undefined);
  g.entries.push(...g.entries.splice(i, 1));
}

/** A backendRef: a Service port number (a port name is resolved through the Service), or a resource. */
function backendRef(inv: Inventory, ing: Ingress, b: IngressBackend, field: (string | number)[], errors: Diagnostic[]): BackendRef | undefined {
  if (b.kind === "resource") return { name: b.name, group: b.group, kind: b.resourceKind };
  if (typeof b.port === "number") return { name: b.name, port: b.port };
  const svc = findService(inv, ing.namespace, b.name);
  const sp = svc && servicePortsFor(svc, b.port, "service-port")[0];
  if (sp) return { name: b.name, port: sp.port };
  errors.push({
    severity: "error", code: "unresolved-port", ref: ing.src, field: [...field, "service", "port", "name"],
    message: svc ? `Service ${ing.namespace}/${b.name} has no port named ${JSON.stringify(b.port)}; a Gateway API backendRef needs the port number`
      : `the port name ${JSON.stringify(b.port)} cannot be resolved: Service ${ing.namespace}/${b.name} is not in the input (a Gateway API backendRef needs the port number)`,
  });
  return undefined;
}
