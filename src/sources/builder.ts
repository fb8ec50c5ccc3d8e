// Accumulates what the front ends read, then finishes the inventory: pods for workload templates
// (unless the input already holds the pods they created), and namespaces that are referenced
// but not defined.

import { CLUSTER_NAMESPACES, emptyInventory, type Inventory } from "../model/inventory.js";
import type { Controller, Endpoint, Owner } from "../model/endpoint.js";
import type { Diagnostics, SourceRef } from "../model/source.js";
import { resolveNetworks, type NetworkDefinition, type PolicyTargets } from "./networks.js";

/** The id of an endpoint not added yet (addEndpoint sets it). */
export const NO_ID = -1;

/** No controller (addTemplatePods: none found). */
const NONE = -1;

/** An endpoint before addEndpoint sets its id. */
export type NewEndpoint = Omit<Endpoint, "id"> & { id?: number };

/**
 * A pod a controller's template would create, kept until we know whether real pods exist: the pod,
 * or what makes it (`make`, called only for a controller none of whose pods the input holds: a
 * dump has a controller per three pods and nearly all of them have their pods, so their stand-ins
 * are never made).
 */
export interface TemplatePod {
  controller: Controller;
  /** The controller's own controller (e.g. a ReplicaSet's Deployment), if any. */
  parent?: Owner;
  pod: NewEndpoint | { make(controller: Controller): NewEndpoint };
  /** The ServiceAccount a pod made later (`make`) runs as (undefined: "default"). */
  readonly serviceAccount?: string;
}

/** The state a front end keeps per load (InventoryBuilder.state): how to make it, and what to do once every object is read. */
export interface StateKey<S> {
  make(): S;
  settle?(state: S, b: InventoryBuilder): void;
}

export class InventoryBuilder {
  readonly inv: Inventory = emptyInventory();
  private namespaceRefs = new Map<string, SourceRef | undefined>();
  private templates: TemplatePod[] = [];
  private deferred: (() => void)[] = [];
  private states = new Map<StateKey<unknown>, unknown>();
  /** User-defined and secondary network definitions, and MultiNetworkPolicy targets (sources/networks.ts resolves them). */
  readonly networkDefinitions: NetworkDefinition[] = [];
  readonly policyTargets: PolicyTargets[] = [];

  constructor(readonly diags: Diagnostics) {}

  /** Adds an endpoint, setting its id: made with `id: NO_ID` in its literal, it keeps its shape (no property added after it is made). */
  addEndpoint(e: NewEndpoint): Endpoint {
    // The object is kept as made (not copied with a spread): a spread copy gets a map of its own per object.
    const ep = e as Endpoint;
    ep.id = this.inv.endpoints.length;
    this.inv.endpoints.push(ep);
    if (ep.namespace !== undefined) this.useNamespace(ep.namespace, ep.src);
    return ep;
  }

  addTemplate(t: TemplatePod): void {
    this.inv.controllers.push(t.controller);
    this.templates.push(t);
  }

  /**
   * The ServiceAccounts pods run as, by namespace ("default" when a pod names none): the input's pods
   * and those its controllers' templates would create, which finish() makes only after the deferred
   * steps (a selector on a pod's account, read in a deferred step, must count them: a Deployment's
   * pods are in the cluster whether or not the input holds them).
   */
  podServiceAccounts(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const add = (ns: string | undefined, account: string | undefined) => {
      if (ns === undefined) return;
      let names = out.get(ns);
      if (!names) out.set(ns, (names = new Set()));
      names.add(account ?? "default");
    };
    for (const e of this.inv.endpoints) if (e.kind === "pod") add(e.namespace, e.serviceAccount);
    for (const t of this.templates) add(t.controller.namespace, "make" in t.pod ? t.serviceAccount : t.pod.serviceAccount);
    return out;
  }

  /** Records that `name` is referenced, so that it exists once loading is done. */
  useNamespace(name: string, ref?: SourceRef): void {
    if (!this.namespaceRefs.has(name)) this.namespaceRefs.set(name, ref);
  }

  countUnknown(kind: string): void {
    this.inv.unknownKinds.set(kind, (this.inv.unknownKinds.get(kind) ?? 0) + 1);
  }

  /** Work that needs every object read first (resolving references between objects); runs in finish(). */
  defer(step: () => void): void {
    this.deferred.push(step);
  }

  /**
   * A front end's state for this load (what it gathers across objects), made on first use; its
   * `settle` runs once every object is read (as a deferred step).
   */
  state<S>(key: StateKey<S>): S {
    if (this.states.has(key)) return this.states.get(key) as S;
    const s = key.make();
    this.states.set(key, s);
    if (key.settle) this.defer(() => key.settle!(s, this));
    return s;
  }

  finish(): Inventory {
    for (const step of this.deferred) step();
    this.addTemplatePods();
    this.addImplicitNamespaces();
    resolveNetworks(this.inv, { definitions: this.networkDefinitions, policyTargets: this.policyTargets }, this.diags);
    return this.inv;
  }

  private addTemplatePods(): void {
    // Controllers are numbered by their place in `templates` (inv.controllers' order: addTemplate),
    // so that what this step asks of each is an array's element, not a set's or map's entry.
    // Controllers by namespace, kind and name (the last one read of a name stands for it), found
    // without a key string made per pod and per look-up.
    const templates = this.templates, n = templates.length;
    const index = new Map<string, Map<string, Map<string, number>>>();
    let repeated = false;
    for (let i = 0; i < n; i++) {
      const c = templates[i].controller;
      let kinds = index.get(c.namespace);
      if (!kinds) index.set(c.namespace, (kinds = new Map()));
      let names = kinds.get(c.kind);
      if (!names) kinds.set(c.kind, (names = new Map()));
      const size = names.size;
      names.set(c.name, i);
      if (names.size === size) repeated = true;
    }
    const find = (ns: string | undefined, o: Owner): number => index.get(ns!)?.get(o.kind)?.get(o.name) ?? NONE;
    // Each template's controller as found (the one standing for its name: itself, unless a later
    // one has its namespace, kind and name) and its parent's (NONE: none found), looked up once.
    const selves = new Int32Array(n), parents = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const t = templates[i], ns = t.controller.namespace;
      selves[i] = repeated ? find(ns, t.controller) : i;
      parents[i] = t.parent ? find(ns, t.parent) : NONE;
    }
    // The controller of each pod read from the input, when the input holds it (NONE: it does not),
    // and the controllers that have pods in the input (owning). A workload's pods come in a row
    // sharing one owner object (core.ts readOwner): the last one found answers them. Each such pod
    // joins its controller's list in this pass (the endpoints lie scattered in the heap after the
    // load: one pass over them): a controller with pods of its own read gets no stand-in below, so
    // its list holds them first, as before.
    const read = this.inv.endpoints.length;
    const owners = new Int32Array(read).fill(NONE);
    const owning = new Uint8Array(n);
    let lastOwner: Owner | undefined, lastNs: string | undefined, lastFound = NONE;
    for (let i = 0; i < read; i++) {
      const e = this.inv.endpoints[i], o = e.owner;
      if (e.kind !== "pod" || o === undefined) continue;
      if (o !== lastOwner || e.namespace !== lastNs) {
        lastOwner = o; lastNs = e.namespace; lastFound = find(e.namespace, o);
        if (lastFound !== NONE) owning[lastFound] = 1;
      }
      owners[i] = lastFound;
      if (lastFound !== NONE && !e.fromTemplate) templates[lastFound].controller.pods.push(e.id);
    }
    // Controllers that have pods in the input through a child controller.
    for (let i = 0; i < n; i++) if (parents[i] !== NONE && owning[selves[i]]) owning[parents[i]] = 1;
    const adopted = this.hashAdopted(find, owners);
    for (const c of adopted.values()) owning[c] = 1;
    for (let i = 0; i < n; i++) {
      if (owning[selves[i]]) continue;
      // A ReplicaSet of a Deployment (or a Job of a CronJob) that is in the input: the parent stands for it.
      if (parents[i] !== NONE) continue;
      const { controller, pod } = templates[i];
      controller.pods.push(this.addEndpoint("make" in pod ? pod.make(controller) : pod).id);
    }
    adopted.forEach((c, pod) => templates[c].controller.pods.push(pod.id));
    // A Deployment's pods are its ReplicaSets' (a CronJob's, its Jobs'), as in a cluster dump. (A
    // controller's list holds each pod once: only what the parent held before can repeat.)
    for (let i = 0; i < n; i++) {
      if (parents[i] === NONE) continue;
      const parent = templates[parents[i]].controller, child = templates[i].controller;
      if (parent === child) continue;
      const had = parent.pods.length, pods = child.pods;
      for (let j = 0; j < pods.length; j++) if (had === 0 || !parent.pods.includes(pods[j])) parent.pods.push(pods[j]);
    }
    // Exact-size lists: one grown by push reserves 17 slots, and a cluster has a controller per few pods.
    // (Indexed loops here and above: a loop run once is not optimised, and a for-of then makes an object per step.)
    const controllers = this.inv.controllers;
    for (let i = 0; i < controllers.length; i++) controllers[i].pods = controllers[i].pods.slice();
  }

  /**
   * Pods of a ReplicaSet missing from the input, whose Deployment is present: the ReplicaSet is named
   * DEPLOYMENT-HASH after the pods' pod-template-hash label (as the Deployment controller names it).
   * `owners` holds the controller found for each pod read (addTemplatePods); the result, the
   * Deployment (its number there) of each pod adopted.
   */
  private hashAdopted(find: (ns: string | undefined, o: Owner) => number, owners: Int32Array): Map<Endpoint, number> {
    const out = new Map<Endpoint, number>();
    for (let i = 0; i < owners.length; i++) {
      const e = this.inv.endpoints[i];
      if (owners[i] !== NONE || e.kind !== "pod" || !e.owner || e.owner.kind !== "ReplicaSet") continue;
      const hash = e.labels["pod-template-hash"];
      if (!hash || !e.owner.name.endsWith(`-${hash}`)) continue;
      const deployment = find(e.namespace, { kind: "Deployment", name: e.owner.name.slice(0, -hash.length - 1) });
      if (deployment !== NONE) out.set(e, deployment);
    }
    return out;
  }

  private addImplicitNamespaces(): void {
    for (const [name, ref] of this.namespaceRefs) {
      if (this.inv.namespaces.has(name)) continue;
      this.inv.namespaces.set(name, { name, labels: { "kubernetes.io/metadata.name": name }, implicit: true });
      if (CLUSTER_NAMESPACES.has(name)) continue; // the API server makes them: nothing was assumed
      this.diags.info("implicit-namespace", `namespace ${JSON.stringify(name)} is referenced but not defined; assumed to exist with its default label kubernetes.io/metadata.name=${name}`, ref);
    }
  }
}
