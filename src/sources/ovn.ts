// Front end for OVN-Kubernetes user-defined networks (k8s.ovn.org/v1): UserDefinedNetwork (one
// namespace) and ClusterUserDefinedNetwork (the namespaces its selector picks). A Primary network
// replaces the default pod network for its namespaces, which must carry the label
// k8s.ovn.org/primary-user-defined-network; sources/networks.ts assigns them once every object is read.

import type { LabelSelector } from "../model/selector.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readSelector } from "./k8s.js";

const CONFIG: Record<string, string> = { Layer2: "layer2", Layer3: "layer3", Localnet: "localnet" };

/**
 * The topology and role of a network spec (UDN spec, CUDN spec.network). The vendored CRD schemas
 * (schemas/upstream/k8s.ovn.org) validate them: topology and role enums, the layer2/layer3/localnet
 * section that goes with the topology, Localnet being Secondary only. Under --lenient, values the
 * schema refused are read as far as they mean something.
 */
export function readTopology(spec: Field): { topology?: string; role?: "Primary" | "Secondary" } {
  if (!spec.object()) return {};
  const topology = spec.get("topology").string();
  const config = topology !== undefined && Object.hasOwn(CONFIG, topology) ? spec.get(CONFIG[topology]) : undefined;
  if (!config?.object()) return { topology };
  const role = config.get("role").string();
  return { topology, role: role === "Primary" || role === "Secondary" ? role : undefined };
}

const udnFrontEnd: FrontEnd = {
  kind: "UserDefinedNetwork", apiVersions: ["k8s.ovn.org/v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const { topology, role } = readTopology(root.get("spec"));
    if (!meta || !role) return;
    b.networkDefinitions.push({ kind: "UserDefinedNetwork", namespace: meta.namespace!, name: meta.name, role, topology, src: ctx.ref });
  },
};

const cudnFrontEnd: FrontEnd = {
  kind: "ClusterUserDefinedNetwork", apiVersions: ["k8s.ovn.org/v1"], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    if (!spec.object()) return;
    const nsField = spec.get("namespaceSelector");
    const namespaceSelector: LabelSelector | undefined = nsField.present ? readSelector(nsField) : undefined;
    const { topology, role } = readTopology(spec.get("network"));
    if (!meta || !role || !namespaceSelector) return;
    b.networkDefinitions.push({ kind: "ClusterUserDefinedNetwork", name: meta.name, role, topology, namespaceSelector, src: ctx.ref });
  },
};

export const ovnFrontEnds: FrontEnd[] = [udnFrontEnd, cudnFrontEnd];
