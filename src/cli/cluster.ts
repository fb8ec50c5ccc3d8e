// The cluster options every analysing command takes, and the cluster read before the command runs
// (listing is asynchronous; the commands' loading stays one synchronous step over files and the
// objects listed here).

import { renderYaml } from "../targets/data.js";
import { Diagnostics } from "../model/source.js";
import { loadPaths, type Loaded } from "../sources/load.js";
import type { ReadOptions } from "../sources/read.js";
import type { ClusterOptions } from "../sources/live/client.js";
import type { LiveCluster, UnreadKind } from "../sources/live/cluster.js";
import { InputError, UsageError, list, str, type Command, type Io, type OptionSpec, type Values } from "./command.js";

export const CLUSTER_OPTIONS: Record<string, OptionSpec> = {
  kubeconfig: { type: "string", arg: "PATH", description: "read a cluster: this kubeconfig (default $KUBECONFIG, then ~/.kube/config, then in-cluster)" },
  context: { type: "string", arg: "NAME", description: "read a cluster: this kubeconfig context (default: the current one)" },
  "all-namespaces": { type: "boolean", short: "A", description: "read a cluster, every namespace (the default when reading a cluster)" },
  namespace: { type: "string", short: "n", multiple: true, arg: "NS", description: "read a cluster, only these namespaces (cluster-scoped kinds are read whole); repeatable" },
};

/**
 * The cluster the options ask for, or undefined when only files are read. A command whose own -n
 * means something else (matrix: the pods shown; explain, test: the namespace of names given without
 * one) reads every namespace, and reads a cluster only when --kubeconfig, --context or -A says so.
 */
export function clusterRequest(cmd: Command, values: Values): ClusterOptions | undefined {
  const ownNamespace = cmd.options.namespace !== undefined && cmd.options.namespace !== CLUSTER_OPTIONS.namespace;
  const namespaces = ownNamespace ? [] : list(values, "namespace"), files = list(values, "file");
  const explicit = values.kubeconfig !== undefined || values.context !== undefined || values["all-namespaces"] === true;
  if (!explicit && (files.length > 0 || !namespaces.length)) {
    if (namespaces.length) throw new UsageError("-n selects namespaces of a cluster: add --context or --kubeconfig to read one as well as -f");
    return undefined;
  }
  if (values["all-namespaces"] === true && namespaces.length) throw new UsageError("give -A or -n NS, not both");
  return { kubeconfig: str(values, "kubeconfig"), context: str(values, "context"), namespaces };
}

const clusters = new WeakMap<Values, LiveCluster>();

/** Lists the cluster the options name (notes on stderr), for loadSources to use. */
export async function prefetchCluster(cmd: Command, values: Values, io: Io): Promise<void> {
  if (cmd.options.kubeconfig !== CLUSTER_OPTIONS.kubeconfig) return;
  const request = clusterRequest(cmd, values);
  if (!request) return;
  const { LiveCluster } = await import("../sources/live/cluster.js");
  const { ClusterError } = await import("../sources/live/client.js");
  try {
    const started = Date.now();
    const cluster = await LiveCluster.open(request);
    clusters.set(values, cluster);
    if (values.quiet !== true) {
      for (const n of cluster.notes) io.err(`note: ${n}\n`);
      io.err(`junction: read ${cluster.objects().length} objects from the cluster ${cluster.context} (${Date.now() - started} ms)\n`);
    }
  } catch (e) {
    if (e instanceof ClusterError) throw new InputError(e.message);
    throw e;
  }
}

export function clusterOf(values: Values): LiveCluster | undefined {
  return clusters.get(values);
}

/** Reads the -f inputs and the cluster's objects (whose text, for line numbers, is their YAML). */
export function loadSources(paths: readonly string[], io: Io, cluster: LiveCluster | undefined, options: ReadOptions & { ingressController?: string } = {}): Loaded {
  const diags = new Diagnostics();
  for (const u of cluster?.unread ?? []) reportUnread(diags, u);
  // (loadPaths: the pre-reader and the check-ahead worker of a large input are taken and ended, as without a cluster.)
  return loadPaths(paths, io.stdin, { ...options, diagnostics: diags, mayBeEmpty: true, ...(cluster ? { objects: cluster.objects(), text: (raw) => renderYaml(raw.obj) } : {}) });
}

/**
 * A kind the cluster may hold objects of that could not be read (forbidden, or its discovery failed)
 * is never read as empty: an error (--lenient: a warning), as answers without it could allow what
 * its objects deny. Secrets and ConfigMaps hold only TLS material: a warning says what is read as missing.
 */
function reportUnread(diags: Diagnostics, u: UnreadKind): void {
  const grant = u.grant ? ` Grant: ${JSON.stringify(u.grant)} (junction rbac prints the whole ClusterRole).` : "";
  if (u.kind === "Secret" || u.kind === "ConfigMap") {
    diags.warn("cluster-unread", `cannot list ${u.kind} (${u.name}): ${u.why}. The TLS material it holds is read as missing: Gateway listeners' certificateRefs and BackendTLSPolicy CA certificates that name one are reported unresolved.${grant}`);
    return;
  }
  diags.error("cluster-unread", `cannot list ${u.kind} (${u.name}): ${u.why}. The cluster may hold ${u.kind} objects, and answers without them could be wrong (one that denies would be missed), so nothing is answered; --lenient answers without them.${grant}`);
}
