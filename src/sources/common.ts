// Front end for the common API's inventory kinds (junction.dev/v1alpha1): Workload (a VM,
// bare-metal host or appliance), Network (a labelled set of external addresses) and Cluster (a
// cluster's address plan, for multi-cluster models). TrafficPolicy is in trafficpolicy.ts.

import { parseAddress, type Address, type Cidr } from "../model/ip.js";
import type { NamedPort } from "../model/ports.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { dnsLabelError, dnsSubdomainError, readCidr, readMeta, readPortNumber, readProtocol } from "./k8s.js";

export const JUNCTION_API = "junction.dev/v1alpha1";

/** Clusters are also Networks (their pod CIDRs and egress NAT) carrying this label: `clusters` peers select them by it. */
export const CLUSTER_NETWORK_LABEL = "junction.dev/cluster";

const PORT_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The fields of a common-API object (schemas/*.json: additionalProperties false, as a CRD's strict validation). */
const TOP_KEYS = ["apiVersion", "kind", "metadata", "spec"];

export function readAddressList(f: Field, required: boolean): Address[] {
  const out: Address[] = [];
  for (const a of f.list({ required, min: required ? 1 : 0 }) ?? []) {
    const s = a.string({ required: true });
    if (s === undefined) continue;
    const addr = parseAddress(s);
    if (addr) out.push(addr);
    else a.error("invalid-ip", `${JSON.stringify(s)} is not a valid IP address`);
  }
  return out;
}

/** Named ports; `strict`: other fields are errors (kinds whose schema Junction does not validate). */
export function readNamedPorts(f: Field, strict = false): NamedPort[] {
  const ports: NamedPort[] = [];
  for (const p of f.list() ?? []) {
    if (!p.object(true)) continue;
    if (strict) p.onlyKeys(["name", "port", "protocol"], "a port");
    const port = readPortNumber(p.get("port"));
    const name = p.get("name").string();
    if (name !== undefined && (name.length > 15 || !PORT_NAME.test(name) || !/[a-z]/.test(name))) {
      p.get("name").error("invalid-port", `${JSON.stringify(name)} is not a valid port name (at most 15 lowercase letters, digits and '-', with at least one letter)`);
    }
    if (port !== undefined) ports.push({ ...(name ? { name } : {}), port, protocol: readProtocol(p.get("protocol")) });
  }
  return ports;
}

const workloadFrontEnd: FrontEnd = {
  kind: "Workload", apiVersions: [JUNCTION_API], namespaced: true,
  read(root, ctx, b) {
    // A Workload without metadata.namespace is cluster-scoped (a host): only selectors that do not
    // restrict namespaces pick it.
    const meta = readMeta(root, false);
    const nsField = root.get("metadata").get("namespace");
    const namespace = nsField.string({ nonEmpty: true });
    if (namespace !== undefined) { const err = dnsLabelError(namespace); if (err) nsField.error("invalid-namespace", err); }
    const spec = root.get("spec");
    root.onlyKeys(TOP_KEYS, "a Workload");
    if (!spec.object(true)) return;
    spec.onlyKeys(["addresses", "ports", "serviceAccount"], "a Workload's spec");
    const addresses = readAddressList(spec.get("addresses"), true);
    const ports = readNamedPorts(spec.get("ports"), true);
    // Its identity, as a pod's: TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT (Istio's WorkloadEntry serviceAccount).
    const sa = spec.get("serviceAccount");
    const serviceAccount = sa.string({ nonEmpty: true });
    if (serviceAccount !== undefined && namespace === undefined) sa.error("forbidden", "a service account belongs to a namespace: set metadata.namespace");
    else if (serviceAccount !== undefined) { const err = dnsSubdomainError(serviceAccount); if (err) sa.error("invalid-name", err); }
    if (!meta) return;
    b.addEndpoint({ kind: "workload", name: meta.name, namespace, labels: meta.labels, addresses, ports, ...(serviceAccount && namespace ? { serviceAccount } : {}), src: ctx.ref });
  },
};

function readCidrList(f: Field, required: boolean): Cidr[] {
  return (f.list({ required, min: required ? 1 : 0 }) ?? []).map(readCidr).filter((c): c is Cidr => c !== undefined);
}

const networkFrontEnd: FrontEnd = {
  kind: "Network", apiVersions: [JUNCTION_API], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    root.onlyKeys(TOP_KEYS, "a Network");
    if (!spec.object(true)) return;
    spec.onlyKeys(["cidrs"], "a Network's spec");
    const cidrs = readCidrList(spec.get("cidrs"), true);
    if (!meta) return;
    if (meta.labels[CLUSTER_NETWORK_LABEL] !== undefined) root.get("metadata").get("labels").get(CLUSTER_NETWORK_LABEL).error("reserved", `the label ${CLUSTER_NETWORK_LABEL} is reserved for Clusters`);
    b.inv.networks.push({ name: meta.name, labels: meta.labels, cidrs, src: ctx.ref });
  },
};

const clusterFrontEnd: FrontEnd = {
  kind: "Cluster", apiVersions: [JUNCTION_API], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    root.onlyKeys(TOP_KEYS, "a Cluster");
    if (!spec.object(true)) return;
    spec.onlyKeys(["podCIDRs", "serviceCIDRs", "egressNAT"], "a Cluster's spec");
    const podCIDRs = readCidrList(spec.get("podCIDRs"), true);
    const serviceCIDRs = readCidrList(spec.get("serviceCIDRs"), false);
    const egressNAT = readCidrList(spec.get("egressNAT"), false);
    if (!meta) return;
    if (b.inv.clusters.some((c) => c.name === meta.name)) root.get("metadata").get("name").error("duplicate", `Cluster ${meta.name} is defined more than once`);
    b.inv.clusters.push({ name: meta.name, labels: meta.labels, podCIDRs, serviceCIDRs, egressNAT, src: ctx.ref });
    // Traffic from a cluster's pods arrives from its pod CIDRs (flat networks) or its egress NAT addresses.
    b.inv.networks.push({ name: `cluster:${meta.name}`, labels: { [CLUSTER_NETWORK_LABEL]: meta.name }, cidrs: [...podCIDRs, ...egressNAT], src: ctx.ref });
  },
};

export const commonFrontEnds: FrontEnd[] = [workloadFrontEnd, networkFrontEnd, clusterFrontEnd];
