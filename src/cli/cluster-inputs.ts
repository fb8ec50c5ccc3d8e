// --cluster NAME=PATH: inputs that are one cluster of several. Each cluster's inputs are loaded on
// their own (their namespaces and names do not mix), and analyses over addresses (ipam, address
// groups) take the list; endpoint names gain the cluster (prod-eu:shop/web) when there are several.

import type { Loaded } from "../sources/load.js";
import { mergeClusters, unscoped } from "../sources/clusters.js";
import { InputError, UsageError, list, type Io, type OptionSpec, type Values } from "./command.js";
import { loadInputs } from "./inputs.js";

export const CLUSTER_INPUT_OPTIONS: Record<string, OptionSpec> = {
  cluster: { type: "string", multiple: true, arg: "NAME=PATH", description: "the manifests of one cluster of several (a file or folder); repeatable" },
};

export interface ClusterInput {
  /** undefined: the -f inputs, of no named cluster. */
  cluster?: string;
  loaded: Loaded;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** The --cluster options: each cluster's paths, by name. */
function clusterPaths(values: Values): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const c of list(values, "cluster")) {
    const eq = c.indexOf("=");
    const name = c.slice(0, eq), path = c.slice(eq + 1);
    if (eq < 1 || !path) throw new UsageError(`--cluster ${c}: give NAME=PATH (e.g. prod-eu=dumps/eu)`);
    if (!NAME.test(name)) throw new UsageError(`--cluster ${c}: ${JSON.stringify(name)} is not a cluster name (lowercase letters, digits and '-')`);
    byName.set(name, [...(byName.get(name) ?? []), path]);
  }
  return byName;
}

/** The names --cluster gives. */
export function clusterNames(values: Values): Set<string> {
  return new Set(clusterPaths(values).keys());
}

/** The -f inputs (when any) and every --cluster's, each loaded on its own. */
export function loadClusterInputs(values: Values, io: Io, loaded?: Loaded): ClusterInput[] {
  const byName = clusterPaths(values);
  const out: ClusterInput[] = [];
  if (loaded) out.push({ loaded });
  else if (list(values, "file").length || !byName.size) out.push({ loaded: loadInputs(values, io) });
  for (const [cluster, paths] of byName) out.push({ cluster, loaded: loadInputs({ ...values, cluster: undefined, file: paths, kubeconfig: undefined, context: undefined, "all-namespaces": undefined, namespace: undefined }, io) });
  return out;
}

/**
 * The inputs as one model of several clusters (sources/clusters.ts). What it cannot bind to a
 * cluster yet is an error (exit 2), or with --lenient a warning, and is left out.
 */
export function loadClusterModel(values: Values, io: Io): Loaded {
  const parts = loadClusterInputs(values, io);
  const problems = parts.map(unscoped).filter((p): p is string => p !== undefined);
  if (problems.length && values.lenient !== true) throw new InputError(`${problems.join("; ")}; give that cluster's input alone (-f), or --lenient to leave them out`);
  for (const p of problems) io.err(`warning: ${p}; --lenient: left out\n`);
  return mergeClusters(parts);
}
