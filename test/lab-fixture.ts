// The setup the lab tests share: whether the lab (and nginx) can run here, a lab name and a run
// folder of the test process's own (removed at the end), and `lab` running `junction lab ...` in them.

import { after } from "node:test";
import { rmSync } from "node:fs";
import { labCapability } from "../src/lab/exec.js";
import { nginxCapability } from "../src/lab/nginx.js";
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

/** A lab fixture named PREFIX+pid; with `nginx`, skipped also where nginx with njs and stream is missing. */
export function labFixture(prefix: string, opts: { nginx?: boolean } = {}): LabFixture {
  const caps = [labCapability(), ...(opts.nginx ? [nginxCapability()] : [])];
  const missing = caps.flatMap((c) => c.missing);
  const name = `${prefix}${process.pid % 100000}`;
  const runDir = `/run/junction/test-${prefix}-${process.pid}`;
  after(() => rmSync(runDir, { recursive: true, force: true }));
  return { skip: missing.length ? missing.join("; ") : false, name, runDir, lab: (args, other = name) => cli(["lab", ...args, "--name", other, "--run-dir", runDir]) };
}
