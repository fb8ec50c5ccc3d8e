// Front end for OVN-Kubernetes user-defined networks (k8s.ovn.org/v1): UserDefinedNetwork (one
// namespace) and ClusterUserDefinedNetwork (the namespaces its selector picks). A Primary network
// replaces the default pod network for its namespaces, which must carry the label
// k8s.ovn.org/primary-user-defined-network; sources/networks.ts assigns them once every object is read.

import type { LabelSelector } from "../model/selector.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { readMeta, readSelector } from "./k8s.js";

/** The topology and role of a network spec (UDN spec, CUDN spec.network), as the CRD validates them. */
export function readTopology(spec: Field): { topology?: string; role?: "Primary" | "Secondary" } {
  if (!spec.object(true)) return {};
  const topology = spec.get("topology").string({ required: true, oneOf: ["Layer2", "Layer3", "Localnet"] });
  if (topology === undefined) return {};
  const key = topology === "Layer2" ? "layer2" : topology === "Layer3" ? "layer3" : "localnet";
  for (const other of ["layer2", "layer3", "localnet"]) {
    if (other !== key && spec.get(other).present) spec.get(other).error("topology-mismatch", `${other} may not be set when topology is ${topology}`);
  }
  const config = spec.get(key);
  if (!config.object(true)) return { topology };
  const role = config.get("role").string({ required: true, oneOf: ["Primary", "Secondary"] }) as "Primary" | "Secondary" | undefined;
  if (topology === "Localnet" && role === "Primary") config.get("role").error("invalid-role", "a Localnet network can only be Secondary");
  return { topology, role };
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
    if (!spec.object(true)) return;
    const nsField = spec.get("namespaceSelector");
    const namespaceSelector: LabelSelector | undefined = nsField.present ? readSelector(nsField) : (nsField.missing(), undefined);
    const { topology, role } = readTopology(spec.get("network"));
    if (!meta || !role || !namespaceSelector) return;
    b.networkDefinitions.push({ kind: "ClusterUserDefinedNetwork", name: meta.name, role, topology, namespaceSelector, src: ctx.ref });
  },
};

export const ovnFrontEnds: FrontEnd[] = [udnFrontEnd, cudnFrontEnd];
