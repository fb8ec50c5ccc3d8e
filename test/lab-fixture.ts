// The setup the lab tests share: whether the lab (and nginx) can run here, a lab name and a run
// folder of the test process's own (removed at the end), and `lab` running `junction lab ...` in them.

import { after } from "node:test";
import { rmSync } from "node:fs";
import { labCapability } from "../src/lab/exec.js";
import { nginxCapability } from "../src/lab/nginx.js";
import { removeOrphanedTestLabs } from "../src/lab/orphans.js";
import { cli } from "./helpers.js";

export interface LabFixture {
  /** false where the lab can run, else why not (for node:test's `skip`). */
  skip: string | false;
  /** A lab name of this process (`PREFIX` + its pid): namespaces jl-NAME-*. */
  name: string;
  /** The --run-dir of this process's labs. */
  runDir: string;
  /** `junction lab ARGS --name NAME --run-dir DIR` (another lab name with `name`). */
  lab: (args: string[], name?: string) => ReturnType<typeof cli>;
}

/** Where the test processes' run directories are (test-PREFIX-PID). */
const RUN_ROOT = "/run/junction";

/**
 * A lab fixture named PREFIX+pid (the whole pid: src/lab/orphans.ts tells the dead ones' labs by
 * it); with `nginx`, skipped also where nginx with njs and stream is missing. Where the lab can run,
 * it first removes what test processes killed by a signal left (their pids dead), never a live one's.
 */
export function labFixture(prefix: string, opts: { nginx?: boolean } = {}): LabFixture {
  const lab = labCapability();
  const caps = [lab, ...(opts.nginx ? [nginxCapability()] : [])];
  const missing = caps.flatMap((c) => c.missing);
  const name = `${prefix}${process.pid}`;
  const runDir = `${RUN_ROOT}/test-${prefix}-${process.pid}`;
  if (lab.ok) removeOrphanedTestLabs(RUN_ROOT, [prefix]);
  after(() => rmSync(runDir, { recursive: true, force: true }));
  return { skip: missing.length ? missing.join("; ") : false, name, runDir, lab: (args, other = name) => cli(["lab", ...args, "--name", other, "--run-dir", runDir]) };
}
