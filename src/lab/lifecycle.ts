// Bringing a lab up and down. Up: clean what a previous run of the same lab left, record the plan,
// create namespaces and the bridge, load the compiled policies into the hub, start the listeners.
// Down: stop the helper, delete every namespace with the lab's prefix, remove the run directory.

import type { EngineOptions } from "../engine/options.js";
import { PolicyEngine } from "../engine/verdict.js";
import { formatAddress, type Cidr } from "../model/ip.js";
import type { Inventory } from "../model/inventory.js";
import type { InputFile } from "../sources/read.js";
import { endpointLabel } from "../targets/names.js";
import { compileLab, type LabRuleset } from "../targets/nftables/lab.js";
import { renderTable } from "../targets/nftables/ruleset.js";
import { formatProblem } from "../targets/problems.js";
import type { LineLookup } from "../model/source.js";
import { LabError } from "./exec.js";
import { startListeners, stopListeners, writeSysctls } from "./listeners.js";
import { addNamespaces, createBridge, deleteNamespaces, linkHosts, namespacesWithPrefix, sysctlLines, type HostLink } from "./netns.js";
import { applyTable } from "./nft.js";
import { assignAddresses, planHosts, type PlannedHost } from "./plan.js";
import { labPrefix, type LabDir, type LabState } from "./state.js";
import { writeFileSync } from "node:fs";

export interface UpRequest {
  dir: LabDir;
  inputs: readonly InputFile[];
  inventory: Inventory;
  options: EngineOptions;
  pool: Cidr;
  max: number;
  lines: LineLookup;
  progress: (message: string) => void;
}

export interface UpResult {
  state: LabState;
  chains: number;
  sets: number;
  listeners: string;
  warnings: string[];
  cleaned: string[];
}

export interface DownResult {
  namespaces: string[];
  helperStopped: boolean;
}

export function labDown(dir: LabDir): DownResult {
  let helperStopped = false;
  if (dir.exists()) {
    try { helperStopped = stopListeners(dir.read().helperPid, dir); } catch { /* unreadable state: the prefix still finds everything */ }
  }
  const namespaces = namespacesWithPrefix(labPrefix(dir.name));
  deleteNamespaces(namespaces);
  // The helper also exits by itself once its run directory is gone.
  dir.remove();
  return { namespaces, helperStopped };
}

type Host = PlannedHost & HostLink;

/** Everything decided before anything is created: addresses, hosts, the compiled ruleset. */
function prepare(req: UpRequest): { assigned: Record<string, string[]>; hosts: Host[]; ruleset: LabRuleset } {
  const assigned = assignAddresses(req.inventory, req.pool);
  if (typeof assigned === "string") throw new LabError(assigned);
  const engine = new PolicyEngine(req.inventory, req.options);
  const planned = planHosts(engine.index);
  if (planned.length > req.max) throw new LabError(`the input has ${planned.length} hosts (pods, Workloads, nodes with addresses); the lab takes at most ${req.max} (--max)`);
  if (!planned.length) throw new LabError("the input has no pod, Workload or node to put in the lab");
  const prefix = labPrefix(req.dir.name);
  const hosts = planned.map((h, i) => ({ ...h, netns: `${prefix}${i + 1}`, port: `h${i + 1}` }));
  const ruleset = compileLab(engine, hosts.flatMap((h) => h.endpoints));
  if (ruleset.problems.length) {
    throw new LabError(`${ruleset.problems.map((p) => formatProblem(p, req.lines)).join("\n")}\nthe lab cannot enforce these rules as written; nothing was created`);
  }
  return { assigned, hosts, ruleset };
}

function initialState(req: UpRequest, assigned: Record<string, string[]>, hosts: readonly Host[]): LabState {
  return {
    name: req.dir.name, created: new Date().toISOString(), inputs: [...req.inputs], options: req.options, assigned, hub: `${labPrefix(req.dir.name)}hub`,
    hosts: hosts.map((h) => ({
      netns: h.netns, endpoints: h.endpoints.map((e) => ({ id: e.id, label: endpointLabel(e) })),
      addresses: h.addresses.map(formatAddress), listen: h.listen.map((p) => ({ protocol: p.protocol, port: p.port })),
    })),
    externals: [],
  };
}

/** Namespaces, bridge, ruleset, listeners; on any failure everything is removed again. */
function create(req: UpRequest, state: LabState, hosts: readonly Host[], text: string): string {
  const { dir, progress } = req;
  try {
    progress(`creating ${hosts.length} network namespaces and the bridge`);
    addNamespaces([state.hub, ...hosts.map((h) => h.netns)]);
    writeSysctls(dir, sysctlLines(state.hub, hosts.map((h) => h.netns)));
    createBridge(state.hub);
    linkHosts(state.hub, hosts);
    progress("loading the policies");
    writeFileSync(dir.path("lab.nft"), text);
    applyTable(text, state.hub);
    progress("starting listeners");
    return startListeners(dir, hosts, (pid) => { state.helperPid = pid; dir.write(state); }).ready;
  } catch (e) {
    labDown(dir);
    throw e;
  }
}

export function labUp(req: UpRequest): UpResult {
  const { assigned, hosts, ruleset } = prepare(req);
  // Only now that the input is known to be good: remove what an earlier run of this lab left.
  const cleaned = labDown(req.dir).namespaces;
  const state = initialState(req, assigned, hosts);
  req.dir.write(state);
  const listeners = create(req, state, hosts, renderTable(ruleset.table));
  return { state, chains: ruleset.table.chains.length, sets: ruleset.table.sets.length, listeners, warnings: ruleset.warnings, cleaned };
}
