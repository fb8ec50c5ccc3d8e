// Assertions checked twice: by the engine, on the inputs the lab enforced, and by real connections
// between the lab's namespaces for every (source, destination) pair. An address no lab host owns
// (an ip: party) gets a namespace of its own on the bridge, so that no probe leaves the lab.

import { evaluateExpectations, type CheckedExpectation } from "../analyze/expectations.js";
import { flowAddress, type Party } from "../engine/match.js";
import { PolicyEngine } from "../engine/verdict.js";
import { formatAddress, parseAddress, type Address } from "../model/ip.js";
import type { Expectation } from "../sources/expectations.js";
import { loadFiles, type Loaded } from "../sources/load.js";
import { LabError } from "./exec.js";
import { helperAlive, runProbes, writeSysctls, type ProbeJob, type ProbeOutcome } from "./listeners.js";
import { addNamespaces, linkHosts, sysctlLines } from "./netns.js";
import { applyAssigned } from "./plan.js";
import { labPrefix, type LabDir, type LabState } from "./state.js";

export type Real = "allow" | "deny" | "error";

export interface PairProbe {
  real: Real;
  outcome: ProbeOutcome["result"];
  detail?: string;
  /** The namespace the connection was made from, and the address it went to. */
  netns: string;
  address: string;
}

export interface LabProbeResult {
  loaded: Loaded;
  checked: CheckedExpectation[];
  /** Per checked assertion, per pair (in query order). */
  probes: PairProbe[][];
}

const REAL: Record<ProbeOutcome["result"], Real> = { connected: "allow", refused: "allow", blocked: "deny", timeout: "deny", error: "error" };

/** The inventory the lab enforces: its input snapshot with the addresses it assigned. */
export function labEngine(state: LabState): { loaded: Loaded; engine: PolicyEngine } {
  const loaded = loadFiles(state.inputs);
  applyAssigned(loaded.inventory, state.assigned);
  return { loaded, engine: new PolicyEngine(loaded.inventory, state.options) };
}

class Placement {
  readonly byEndpoint = new Map<number, string>();
  readonly byAddress = new Map<string, string>();
  readonly missing = new Set<string>();

  constructor(state: LabState) {
    for (const h of state.hosts) {
      for (const e of h.endpoints) this.byEndpoint.set(e.id, h.netns);
      for (const a of h.addresses) this.byAddress.set(a, h.netns);
    }
    for (const x of state.externals) this.byAddress.set(x.address, x.netns);
  }

  /** The namespace a party's connections start from; undefined for an address not placed yet (noted in `missing`). */
  source(p: Party): string | undefined {
    const ns = p.endpoint ? this.byEndpoint.get(p.endpoint.id) : undefined;
    if (ns) return ns;
    if (p.address) return this.address(formatAddress(p.address));
    return undefined;
  }

  address(text: string): string | undefined {
    const ns = this.byAddress.get(text);
    if (!ns) this.missing.add(text);
    return ns;
  }
}

/** Namespaces for addresses no lab host owns, recorded in the state before they are created. */
function addExternals(dir: LabDir, state: LabState, addresses: readonly string[]): void {
  if (!addresses.length) return;
  const start = state.externals.length;
  const added = addresses.map((address, i) => ({ netns: `${labPrefix(state.name)}x${start + i + 1}`, address, port: `x${start + i + 1}` }));
  state.externals.push(...added.map(({ netns, address }) => ({ netns, address })));
  dir.write(state);
  addNamespaces(added.map((x) => x.netns));
  writeSysctls(dir, sysctlLines(undefined, added.map((x) => x.netns)));
  linkHosts(state.hub, added.map((x) => ({ netns: x.netns, port: x.port, addresses: [parseAddress(x.address) as Address] })));
}

export function labProbe(dir: LabDir, expectations: readonly Expectation[], timeoutSeconds: number, progress: (m: string) => void, namespace?: string): LabProbeResult {
  const state = dir.read();
  if (!helperAlive(state.helperPid, dir)) throw new LabError(`lab ${state.name} is not running (its listener helper is gone); bring it up again with 'junction lab up'`);
  const { loaded, engine } = labEngine(state);
  const { checked, problems } = evaluateExpectations(engine, expectations, namespace);
  if (problems.length) throw new LabError(problems.join("\n"));
  const pairs = checked.flatMap((c, ci) => c.query.pairs.map((p, pi) => ({ ci, pi, src: p.src, dst: p.dst, protocol: p.protocol, port: p.port })));
  const place = new Placement(state);
  const targets = pairs.map((p) => ({ ...p, address: flowAddress(p.dst, p.src) }));
  for (const t of targets) { place.source(t.src); if (t.address) place.address(formatAddress(t.address)); }
  addExternals(dir, state, [...place.missing]);
  const placed = new Placement(state);
  const jobs: (ProbeJob & { ci: number; pi: number })[] = [];
  const probes: PairProbe[][] = checked.map((c) => c.query.pairs.map(() => ({ real: "error" as Real, outcome: "error" as const, netns: "", address: "" })));
  targets.forEach((t, id) => {
    const netns = placed.source(t.src);
    if (!netns || !t.address) { probes[t.ci][t.pi].detail = "the source has no namespace or the destination no address in the lab"; return; }
    jobs.push({ id, ci: t.ci, pi: t.pi, netns, protocol: t.protocol, address: formatAddress(t.address), port: t.port });
  });
  progress(`probing ${jobs.length} connection${jobs.length === 1 ? "" : "s"} (timeout ${timeoutSeconds} s)`);
  const outcomes = runProbes(dir, jobs, timeoutSeconds);
  for (const j of jobs) {
    const o = outcomes.get(j.id) ?? { result: "error" as const, detail: "no answer from the probe helper" };
    probes[j.ci][j.pi] = { real: REAL[o.result], outcome: o.result, detail: o.detail, netns: j.netns, address: j.address };
  }
  return { loaded, checked, probes };
}
