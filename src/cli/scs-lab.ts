// conformance scs-0219 --lab: the bundled NetworkPolicy e2e cases enforced by the Linux kernel. Each
// case brings up a lab (its own network namespaces, nftables rulesets: junction lab) with the e2e
// cluster and the case's policies, sends every probe as a real connection, and compares the kernel's
// answer with the specification. The lab is removed at the end, also on failure.

import { labCapability, LabError } from "../lab/exec.js";
import { labDown, labUp } from "../lab/lifecycle.js";
import { labProbe } from "../lab/probe.js";
import { DEFAULT_RUN_DIR, LabDir } from "../lab/state.js";
import { parseCidr, type Cidr } from "../model/ip.js";
import type { EngineOptions } from "../engine/options.js";
import type { Expectation } from "../sources/expectations.js";
import { loadFiles } from "../sources/load.js";
import { withPolicies } from "../analyze/scs0219/e2e-model.js";
import { NETPOL_CASES, caseProbes, caseResult, type CaseResult, type NetpolCase } from "../analyze/scs0219/netpol-cases.js";
import { InputError } from "./command.js";

/** The lab's name: its namespaces are named after it, apart from any lab the user runs. */
export const SCS_LAB = "scs0219";

export interface ScsLabOptions {
  options: EngineOptions;
  timeoutSeconds: number;
  /** The lab's run folder and name (default: junction lab's folder, SCS_LAB). */
  runDir?: string;
  name?: string;
  /** Default: every bundled case. */
  cases?: readonly NetpolCase[];
}

function runCase(dir: LabDir, c: NetpolCase, o: ScsLabOptions): CaseResult {
  const loaded = loadFiles([{ name: `<scs-0219 e2e: ${c.name}>`, text: withPolicies(...c.policies) }]);
  labUp({ dir, inputs: loaded.inputs, inventory: loaded.inventory, options: o.options, pool: parseCidr("10.254.0.0/16") as Cidr, max: 50, lines: loaded.locator.lineOf.bind(loaded.locator), progress: () => {} });
  const probes = caseProbes(c);
  const ref = { file: "<scs-0219>", doc: 0, path: [] };
  const expectations: Expectation[] = probes.map((p) => ({ from: p.from, to: p.to, port: p.port, protocol: p.protocol, expect: p.allowed ? "allow" : "deny", ref }));
  const r = labProbe(dir, expectations, o.timeoutSeconds, () => {});
  // One pair per assertion (pod to pod); an error (the probe could not run) is reported as such.
  return caseResult(c, r.probes.map((pairs) => pairs[0]?.real === "error" ? `probe error: ${pairs[0].detail ?? "unknown"}` : pairs[0]?.real === "allow"));
}

/** Every case in the lab, one after the other. */
export function runNetpolCasesInLab(o: ScsLabOptions, progress: (message: string) => void): CaseResult[] {
  const cap = labCapability();
  if (!cap.ok) throw new InputError(`--lab: the lab cannot run here: ${cap.missing.join("; ")}`);
  const dir = new LabDir(o.runDir ?? DEFAULT_RUN_DIR, o.name ?? SCS_LAB);
  const cases = o.cases ?? NETPOL_CASES;
  try {
    return cases.map((c, i) => {
      progress(`lab: case ${i + 1}/${cases.length}: ${c.name}`);
      return runCase(dir, c, o);
    });
  } catch (e) {
    throw e instanceof LabError ? new InputError(`--lab: ${e.message}`) : e;
  } finally {
    labDown(dir);
  }
}
