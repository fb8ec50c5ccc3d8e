// The back ends `junction compile --target T` can emit. Each target declares its own options
// (merged into the command's) and turns the loaded inventory into text.

import type { Loaded } from "../sources/load.js";
import type { Io, OptionSpec, OutputFormat, Values } from "./command.js";
import { istioTarget } from "./targets/istio.js";
import { ciliumTarget } from "./targets/cilium.js";
import { k8sTarget } from "./targets/k8s.js";
import { nftablesTarget } from "./targets/nftables.js";
import { addressGroupsTarget } from "./targets/addressgroups.js";
import { nginxTarget } from "./targets/nginx.js";

export interface CompileTarget {
  name: string;
  description: string;
  /** Options only this target reads (e.g. --host); shown in `junction compile --help`. */
  options: Record<string, OptionSpec>;
  /** Output formats this target can print; the first is the default. */
  formats: readonly OutputFormat[];
  /** Prints the compiled result; returns the exit code. Throws InputError for what the target cannot express. */
  run(loaded: Loaded, values: Values, io: Io): number | Promise<number>;
}

/** Registered targets, in the order `--help` lists them. Back ends add themselves here. */
export const COMPILE_TARGETS: CompileTarget[] = [
  k8sTarget,
  nftablesTarget,
  addressGroupsTarget,
  nginxTarget,
  istioTarget,
  ciliumTarget,
];
