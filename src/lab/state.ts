// What a lab created, recorded under its run directory before it is created, so that `lab down`
// (or the next `lab up`) removes exactly that even after a crash. Every name carries the lab's prefix.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InputFile } from "../sources/read.js";
import type { EngineOptions } from "../engine/options.js";
import { LabError } from "./exec.js";
import type { L7State } from "./l7.js";

export const DEFAULT_RUN_DIR = "/run/junction/lab";
export const DEFAULT_LAB = "lab";

export interface LabHostState {
  netns: string;
  /** Endpoint ids (in the inventory loaded from the snapshot) and their labels. */
  endpoints: { id: number; label: string }[];
  addresses: string[];
  listen: { protocol: string; port: number }[];
}

export interface LabState {
  name: string;
  created: string;
  /** The inputs, as read when the lab came up: probes judge the engine on exactly these. */
  inputs: InputFile[];
  options: EngineOptions;
  /** Addresses the lab gave to endpoints without one: endpoint id → addresses. */
  assigned: Record<string, string[]>;
  hub: string;
  hosts: LabHostState[];
  /** Namespaces standing for addresses no endpoint owns (ip: parties of probes). */
  externals: { netns: string; address: string }[];
  helperPid?: number;
  /** The Gateways running on nginx, their echo backends and client (the lab at Layer 7). */
  l7?: L7State;
}

const NAME = /^[a-z0-9]{1,12}$/;

export function checkLabName(name: string): string {
  if (!NAME.test(name)) throw new LabError(`lab name ${JSON.stringify(name)}: use 1 to 12 lowercase letters and digits`);
  return name;
}

/** Every namespace of lab `name` starts with this; no other lab's does. */
export function labPrefix(name: string): string {
  return `jl-${name}-`;
}

export class LabDir {
  readonly dir: string;
  constructor(runDir: string, readonly name: string) {
    this.dir = join(runDir, checkLabName(name));
  }

  get statePath(): string { return join(this.dir, "state.json"); }
  path(file: string): string { return join(this.dir, file); }

  exists(): boolean { return existsSync(this.statePath); }

  read(): LabState {
    if (!this.exists()) throw new LabError(`no lab named ${this.name} is up (nothing in ${this.dir}); start one with 'junction lab up -f PATH'`);
    try { return JSON.parse(readFileSync(this.statePath, "utf8")) as LabState; }
    catch (e) { throw new LabError(`${this.statePath}: unreadable lab state (${(e as Error).message}); 'junction lab down --name ${this.name}' removes the lab`); }
  }

  write(state: LabState): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(this.statePath, JSON.stringify(state));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
