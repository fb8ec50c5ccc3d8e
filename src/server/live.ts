// Applies a cluster's changes to the served analysis. Policies (NetworkPolicy, Admin/Baseline/
// ClusterNetworkPolicy), namespace labels and pods of a workload that already has pods go to the
// incremental engine; anything else (and anything the engine cannot place exactly) reloads the whole
// input from the store, coalesced over a short delay. Either way the version is bumped and pushed.

import { Diagnostics } from "../model/source.js";
import type { Endpoint } from "../model/endpoint.js";
import type { Policy } from "../model/policy.js";
import type { RawObject } from "../sources/documents.js";
import { loadFiles, type Loaded } from "../sources/load.js";
import type { ObjectChange } from "../sources/live/cluster.js";
import { renderYaml } from "../targets/data.js";
import type { Analysis } from "../cli/analysis.js";
import type { ServeState } from "./state.js";
import { append } from "../model/arrays.js";
import { inputCnis } from "../model/cni.js";

const POLICY_KINDS = new Set(["NetworkPolicy/networking.k8s.io", "AdminNetworkPolicy/policy.networking.k8s.io", "BaselineAdminNetworkPolicy/policy.networking.k8s.io", "ClusterNetworkPolicy/policy.networking.k8s.io"]);

export class LiveUpdates {
  private reloadTimer?: NodeJS.Timeout;
  private pending: string[] = [];
  private since = 0;

  constructor(private readonly state: ServeState, private readonly reload: () => Loaded, private readonly delayMs = 50) {}

  /** One batch of changes from the watches. */
  apply(changes: readonly ObjectChange[]): void {
    const since = Date.now();
    const names = changes.map(describe);
    if (this.reloadTimer || !this.incremental(changes)) { this.scheduleReload(names, since); return; }
    this.state.changed("incremental", names, since);
  }

  close(): void { clearTimeout(this.reloadTimer); }

  private incremental(changes: readonly ObjectChange[]): boolean {
    const a = this.state.analysis;
    if (this.state.invalid || !a.hasConnectivity) return false;
    // Each change is checked before any is applied: a batch is applied whole or reloaded whole.
    const steps = changes.map((c) => plan(a, c));
    if (steps.some((s) => s === undefined)) return false;
    for (const [i, step] of steps.entries()) { step!(); refreshText(a, changes[i]); }
    a.routingChanged();
    return true;
  }

  private scheduleReload(names: string[], since: number): void {
    if (!this.pending.length) this.since = since;
    append(this.pending, names);
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      const changed = this.pending; this.pending = [];
      this.state.replace(this.reload(), changed, this.since);
    }, this.delayMs);
  }
}

function describe(c: ObjectChange): string {
  const md = c.object.obj.metadata as { namespace?: string; name?: string };
  return `${c.type} ${c.object.kind} ${md.namespace ? `${md.namespace}/` : ""}${md.name}`;
}

/** The object read on its own, as the front ends lower it (undefined when it has errors). */
function lowerAlone(raw: RawObject): Loaded | undefined {
  const loaded = loadFiles([], new Diagnostics(), { objects: [raw] });
  return loaded.diagnostics.hasErrors ? undefined : loaded;
}

type Step = () => void;

/** How to apply one change in place, or undefined when only a reload is exact. */
function plan(a: Analysis, c: ObjectChange): Step | undefined {
  const group = c.object.apiVersion.includes("/") ? c.object.apiVersion.split("/")[0] : "";
  if (POLICY_KINDS.has(`${c.object.kind}/${group}`)) return planPolicy(a, c);
  if (c.object.kind === "Namespace" && group === "" && c.type !== "DELETED") return planNamespace(a, c);
  if (c.object.kind === "Pod" && group === "") return planPod(a, c);
  return undefined;
}

function onlyPolicy(raw: RawObject | undefined): Policy | undefined | null {
  if (!raw) return null;
  const l = lowerAlone(raw);
  return l && l.inventory.policies.length === 1 ? l.inventory.policies[0] : undefined;
}

function planPolicy(a: Analysis, c: ObjectChange): Step | undefined {
  // A policy read alone is read without the input's CNI: under Cilium a NetworkPolicy's selectors go
  // through the agent's identity filter, its ipBlocks match outside addresses only and cilium-config
  // may leave NetworkPolicies unenforced; under Calico the default tier's ties at one order are broken
  // by felix's name order (calico/index.ts breakTies) and the Admin APIs' presence places the other
  // tiers (placeTiers). Only a reload reads it so.
  if (inputCnis(a.inventory).length) return undefined;
  const next = c.type === "DELETED" ? null : onlyPolicy(c.object), prev = onlyPolicy(c.old);
  if (next === undefined || prev === undefined) return undefined;
  const fc = a.connectivity;
  return () => {
    if (prev && (!next || prev.kind !== next.kind || prev.name !== next.name || prev.namespace !== next.namespace)) fc.removePolicy(prev);
    if (next) fc.upsertPolicy(next);
  };
}

function planNamespace(a: Analysis, c: ObjectChange): Step | undefined {
  const l = lowerAlone(c.object);
  const ns = l && [...l.inventory.namespaces.values()][0];
  if (!ns) return undefined;
  return () => { a.connectivity.setNamespaceLabels(ns.name, ns.labels); };
}

/**
 * A pod joins (or leaves) a workload that keeps other pods: the controllers listing a sibling list it
 * too. The first or last pod of a workload reloads (the workload's template stands in when it has none).
 */
function planPod(a: Analysis, c: ObjectChange): Step | undefined {
  const inv = a.inventory;
  const md = c.object.obj.metadata as { namespace?: string; name?: string };
  const old = inv.endpoints.find((e) => e.kind === "pod" && !e.fromTemplate && e.namespace === md.namespace && e.name === md.name);
  const next = c.type === "DELETED" ? undefined : lowerAlone(c.object)?.inventory.endpoints.filter((e) => e.kind === "pod");
  if (c.type !== "DELETED" && next?.length !== 1) return undefined;
  const pod = next?.[0];
  if (pod?.hostNetwork || old?.hostNetwork || (c.type !== "ADDED" && !old)) return undefined;
  const owner = (pod ?? old)!.owner;
  const sibling = inv.endpoints.find((e) => e !== old && e.kind === "pod" && !e.fromTemplate && e.namespace === md.namespace && owner !== undefined && e.owner?.kind === owner.kind && e.owner?.name === owner.name);
  if (owner && !sibling) return undefined;
  const fc = a.connectivity;
  return () => {
    if (old) fc.removeEndpoint(old);
    if (!pod) return;
    const { id: _id, ...rest } = pod;
    const added: Endpoint = fc.upsertEndpoint(rest).endpoint;
    if (sibling) for (const ctl of inv.controllers) if (ctl.pods.includes(sibling.id)) ctl.pods.push(added.id);
  };
}

/** The served text of a changed object (its lines, for explanations and the UI). */
function refreshText(a: Analysis, c: ObjectChange): void {
  if (c.type !== "DELETED") a.loaded.locator.addLazy(c.object.ref.file, () => renderYaml(c.object.obj));
}
