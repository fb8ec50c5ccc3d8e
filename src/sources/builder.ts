// Accumulates what the front ends read, then finishes the inventory: pods for workload templates
// (unless the input already holds the pods they created), and namespaces that are referenced
// but not defined.

import { emptyInventory, type Inventory } from "../model/inventory.js";
import type { Controller, Endpoint, Owner } from "../model/endpoint.js";
import type { Diagnostics, SourceRef } from "../model/source.js";
import { resolveNetworks, type NetworkDefinition, type PolicyTargets } from "./networks.js";

/** A pod a controller's template would create, kept until we know whether real pods exist. */
export interface TemplatePod {
  controller: Controller;
  /** The controller's own controller (e.g. a ReplicaSet's Deployment), if any. */
  parent?: Owner;
  pod: Omit<Endpoint, "id">;
}

export class InventoryBuilder {
  readonly inv: Inventory = emptyInventory();
  private namespaceRefs = new Map<string, SourceRef | undefined>();
  private templates: TemplatePod[] = [];
  private deferred: (() => void)[] = [];
  /** User-defined and secondary network definitions, and MultiNetworkPolicy targets (sources/networks.ts resolves them). */
  readonly networkDefinitions: NetworkDefinition[] = [];
  readonly policyTargets: PolicyTargets[] = [];

  constructor(readonly diags: Diagnostics) {}

  addEndpoint(e: Omit<Endpoint, "id">): Endpoint {
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

  finish(): Inventory {
    for (const step of this.deferred) step();
    this.addTemplatePods();
    this.addImplicitNamespaces();
    resolveNetworks(this.inv, { definitions: this.networkDefinitions, policyTargets: this.policyTargets }, this.diags);
    return this.inv;
  }

  private addTemplatePods(): void {
    // The last key made is given again for the same owner (pods come in runs per owner): one string, hashed once.
    let last: [string | undefined, string, string, string] | undefined;
    const key = (ns: string | undefined, o: Owner): string => {
      if (!last || last[0] !== ns || last[1] !== o.kind || last[2] !== o.name) last = [ns, o.kind, o.name, `${ns}/${o.kind}/${o.name}`];
      return last[3];
    };
    // The owner of each pod read from the input, as a key made once (three passes below look it up).
    const read = this.inv.endpoints.length;
    const owners: (string | undefined)[] = this.inv.endpoints.map((e) => (e.kind === "pod" && e.owner ? key(e.namespace, e.owner) : undefined));
    // Controllers that already have pods in the input, directly or through a child controller.
    const owning = new Set<string>();
    for (const k of owners) if (k !== undefined) owning.add(k);
    for (const t of this.templates) {
      if (t.parent && owning.has(key(t.controller.namespace, t.controller))) owning.add(key(t.controller.namespace, t.parent));
    }
    const present = new Set(this.templates.map((t) => key(t.controller.namespace, t.controller)));
    const adopted = this.hashAdopted(present, owners, key);
    for (const k of adopted.values()) owning.add(k);
    for (const t of this.templates) {
      const c = t.controller;
      if (owning.has(key(c.namespace, c))) continue;
      // A ReplicaSet of a Deployment (or a Job of a CronJob) that is in the input: the parent stands for it.
      if (t.parent && present.has(key(c.namespace, t.parent))) continue;
      c.pods.push(this.addEndpoint(t.pod).id);
    }
    const byOwner = new Map(this.inv.controllers.map((c) => [key(c.namespace, c), c]));
    for (let i = 0; i < read; i++) {
      const e = this.inv.endpoints[i], k = owners[i];
      if (k !== undefined && !e.fromTemplate) byOwner.get(k)?.pods.push(e.id);
    }
    for (const [pod, k] of adopted) byOwner.get(k)?.pods.push(pod.id);
    // A Deployment's pods are its ReplicaSets' (a CronJob's, its Jobs'), as in a cluster dump.
    for (const t of this.templates) {
      const parent = t.parent && byOwner.get(key(t.controller.namespace, t.parent));
      if (parent && parent !== t.controller) for (const id of t.controller.pods) if (!parent.pods.includes(id)) parent.pods.push(id);
    }
    // Exact-size lists: one grown by push reserves 17 slots, and a cluster has a controller per few pods.
    for (const c of this.inv.controllers) c.pods = c.pods.slice();
  }

  /**
   * Pods of a ReplicaSet missing from the input, whose Deployment is present: the ReplicaSet is named
   * DEPLOYMENT-HASH after the pods' pod-template-hash label (as the Deployment controller names it).
   */
  private hashAdopted(present: Set<string>, owners: readonly (string | undefined)[], key: (ns: string | undefined, o: Owner) => string): Map<Endpoint, string> {
    const out = new Map<Endpoint, string>();
    owners.forEach((k, i) => {
      const e = this.inv.endpoints[i];
      const hash = e.labels["pod-template-hash"];
      if (k === undefined || e.owner!.kind !== "ReplicaSet" || !hash || present.has(k)) return;
      if (!e.owner!.name.endsWith(`-${hash}`)) return;
      const deployment = key(e.namespace, { kind: "Deployment", name: e.owner!.name.slice(0, -hash.length - 1) });
      if (present.has(deployment)) out.set(e, deployment);
    });
    return out;
  }

  private addImplicitNamespaces(): void {
    for (const [name, ref] of this.namespaceRefs) {
      if (this.inv.namespaces.has(name)) continue;
      this.inv.namespaces.set(name, { name, labels: { "kubernetes.io/metadata.name": name }, implicit: true });
      this.diags.info("implicit-namespace", `namespace ${JSON.stringify(name)} is referenced but not defined; assumed to exist with its default label kubernetes.io/metadata.name=${name}`, ref);
    }
  }
}
