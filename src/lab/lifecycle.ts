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
import { GatewayEngine } from "../engine/gateway/engine.js";
import { l7Down, l7Up } from "./l7.js";
import { nginxCapability } from "./nginx.js";

export interface UpRequest {
  dir: LabDir;
  inputs: readonly InputFile[];
  inventory: Inventory;
  options: EngineOptions;
  pool: Cidr;
  max: number;
  lines: LineLookup;
  progress: (message: string) => void;
  /** Gateways to run on nginx (NS/NAME); empty: every Gateway of the input; undefined: none. */
  gateways?: readonly string[];
}

export interface UpResult {
  state: LabState;
  chains: number;
  sets: number;
  listeners: string;
  warnings: string[];
  cleaned: string[];
}

/** Whether the lab runs Gateways on nginx: asked for, and the input has Gateways. */
function wantsL7(req: UpRequest): boolean {
  if (!req.gateways) return false;
  if (!req.gateways.length && !new GatewayEngine(req.inventory).gateways.length) return false;
  const cap = nginxCapability();
  if (!cap.ok) throw new LabError(`the input has Gateways, which the lab runs on nginx: ${cap.missing.join("; ")} (--no-gateways leaves them out)`);
  return true;
}

export interface DownResult {
  namespaces: string[];
  helperStopped: boolean;
}

export function labDown(dir: LabDir): DownResult {
  let helperStopped = false;
  if (dir.exists()) {
    try {
      const state = dir.read();
      l7Down(state.l7);
      helperStopped = stopListeners(state.helperPid, dir);
    } catch { /* unreadable state: the prefix still finds everything */ }
  }
  const namespaces = namespacesWithPrefix(labPrefix(dir.name));
  deleteNamespaces(namespaces);
  // The helper also exits by itself once its run directory is gone.
  dir.remove();
  return { namespaces, helperStopped };
}

type Host = PlannedHost & HostLink;

/** Everything decided before anything is created: addresses, hosts, the compiled ruleset. */
function prepare(req: UpRequest, l7: boolean): { assigned: Record<string, string[]>; hosts: Host[]; ruleset: LabRuleset } {
  const assigned = assignAddresses(req.inventory, req.pool);
  if (typeof assigned === "string") throw new LabError(assigned);
  const engine = new PolicyEngine(req.inventory, req.options);
  const planned = planHosts(engine.index);
  if (planned.length > req.max) throw new LabError(`the input has ${planned.length} hosts (pods, Workloads, nodes with addresses); the lab takes at most ${req.max} (--max)`);
  if (!planned.length && !l7) throw new LabError("the input has no pod, Workload, node or Gateway to put in the lab");
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
  const l7 = wantsL7(req);
  const { assigned, hosts, ruleset } = prepare(req, l7);
  // Only now that the input is known to be good: remove what an earlier run of this lab left.
  const cleaned = labDown(req.dir).namespaces;
  const state = initialState(req, assigned, hosts);
  req.dir.write(state);
  const listeners = hosts.length ? create(req, state, hosts, renderTable(ruleset.table)) : "none";
  if (l7) {
    try {
      state.l7 = l7Up({ inventory: req.inventory, gateways: req.gateways!, prefix: labPrefix(req.dir.name), path: (f) => req.dir.path(f), lines: req.lines, progress: req.progress, record: (s) => { state.l7 = s; req.dir.write(state); } });
      req.dir.write(state);
    } catch (e) {
      labDown(req.dir);
      throw e;
    }
  }
  return { state, chains: ruleset.table.chains.length, sets: ruleset.table.sets.length, listeners, warnings: ruleset.warnings, cleaned };
}
