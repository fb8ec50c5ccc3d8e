// Linkerd's control-plane settings as its install writes them: the ConfigMap `linkerd-config` of the
// control plane's namespace, whose `data.values` is the chart's values as YAML (charts/linkerd-control-plane/
// templates/config.yaml). The policy controller runs with flags made from the same values
// (templates/destination.yaml: `--default-policy={{.Values.proxy.defaultInboundPolicy}}`,
// `--cluster-networks={{.Values.clusterNetworks}}`), so they are read into the mesh settings:
//   proxy.defaultInboundPolicy  the cluster's default inbound policy: a pod's config.linkerd.io/default-inbound-policy,
//                               else this (inbound/index.rs default_inbound_server: `settings.default_policy
//                               .unwrap_or(config.default_policy)`); the chart's default all-unauthenticated
//   clusterNetworks             what the cluster-* policies and a ServerAuthorization without networks admit
//                               (comma-separated CIDRs; runtime/src/args.rs IpNets::from_str)
// A value the policy controller refuses (clap's parse of --default-policy or --cluster-networks) stops
// it from starting: an error, and the default is kept. The CLI's --linkerd-default-policy overrides it.

import { parseCidrAsWritten } from "../../model/ip.js";
import { DEFAULT_MESH_SETTINGS, LINKERD_DEFAULT_POLICIES, linkerdDefaultPolicy } from "../../model/mesh.js";
import type { InventoryBuilder } from "../builder.js";
import { embeddedDocument } from "../embedded.js";
import type { Field } from "../fields.js";
import type { Meta } from "../k8s.js";

export const LINKERD_CONFIGMAP = "linkerd-config";

/** Reads the control plane's values when `meta` names Linkerd's ConfigMap; other ConfigMaps are left alone. */
export function readLinkerdConfig(root: Field, meta: Meta, b: InventoryBuilder): void {
  if (meta.name !== LINKERD_CONFIGMAP || !root.get("data").get("values").present) return;
  const settings = b.inv.mesh.settings;
  if (meta.namespace !== settings.linkerdNamespace) {
    root.get("data").get("values").info("not-read", `Linkerd's control plane is taken to run in namespace ${settings.linkerdNamespace} (its identities name it); this ConfigMap of ${meta.namespace} is not read`);
    return;
  }
  // The chart's values are read by Helm (sigs.k8s.io/yaml): the last of a duplicate key is kept.
  const values = embeddedDocument(root.get("data").get("values"), ["data", "values"], "Linkerd's install cannot read these values", (key) => `duplicate key ${JSON.stringify(key)}: the last one is kept`);
  if (!values) return;
  const policyField = values.get("proxy").get("defaultInboundPolicy");
  const policy = policyField.string();
  if (policy !== undefined) {
    const p = linkerdDefaultPolicy(policy);
    if (p) settings.linkerdDefaultPolicy = p;
    else policyField.error("invalid-value", `${JSON.stringify(policy)} is no default policy (${LINKERD_DEFAULT_POLICIES.join(", ")}): the policy controller refuses --default-policy and does not start; ${DEFAULT_MESH_SETTINGS.linkerdDefaultPolicy} is taken`);
  }
  const netsField = values.get("clusterNetworks");
  const nets = netsField.string();
  if (nets !== undefined) {
    const parsed = nets.split(",").map((n) => ({ n, cidr: parseCidrAsWritten(n) }));
    const bad = parsed.filter((x) => !x.cidr).map((x) => JSON.stringify(x.n));
    if (bad.length) netsField.error("invalid-cidr", `${bad.join(", ")} ${bad.length === 1 ? "is" : "are"} no CIDR: the policy controller refuses --cluster-networks and does not start; the default cluster networks are taken`);
    else settings.linkerdClusterNetworks = parsed.map((x) => x.cidr!);
  }
}
