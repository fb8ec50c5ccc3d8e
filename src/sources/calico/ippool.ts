// Calico IP pools (projectcalico.org/v3 and crd.projectcalico.org/v1 IPPool): the address ranges
// Calico's IPAM gives pods, and what felix does with their traffic: natOutgoing (felix's
// cali-nat-outgoing chain, rules/nat.go NATOutgoingChain: MASQUERADE from a natOutgoing pool's
// addresses to any destination outside every pool) and ipipMode/vxlanMode (whether a node's traffic
// to a pod of the pool on another node goes down the tunnel: Always, CrossSubnet, Never). The schema
// (schemas/upstream) checks the fields' types and enums; this reads them into model/cni.ts IpPool,
// with libcalico-go's validation of the pool (validator.go validateIPPool).

import { type EncapMode, type IpPool } from "../../model/cni.js";
import type { Cidr } from "../../model/ip.js";
import type { FrontEnd } from "../frontend.js";
import { readCidrAs, readMeta } from "../k8s.js";

const MODES: readonly EncapMode[] = ["Always", "CrossSubnet", "Never"];

export const ipPoolFrontEnd: FrontEnd = {
  kind: "IPPool", apiVersions: ["projectcalico.org/v3", "crd.projectcalico.org/v1"], namespaced: false,
  read(root, _ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    spec.object();
    const cidrField = spec.get("cidr");
    const cidr: Cidr | undefined = readCidrAs(cidrField, "calico");
    const mode = (key: "ipipMode" | "vxlanMode"): EncapMode => (spec.get(key).string({ oneOf: MODES }) as EncapMode | undefined) ?? "Never";
    const ipipMode = mode("ipipMode"), vxlanMode = mode("vxlanMode");
    const natOutgoing = spec.get("natOutgoing").bool() ?? false;
    const disabled = spec.get("disabled").bool() ?? false;
    // validateIPPool: "IPIP is not supported on an IPv6 IP pool"; "IPIPMode and VXLANMode cannot both be enabled".
    if (cidr?.family === 6 && ipipMode !== "Never") spec.get("ipipMode").error("invalid", "IPIP is not supported on an IPv6 IP pool: Calico refuses the pool");
    if (ipipMode !== "Never" && vxlanMode !== "Never") spec.get("vxlanMode").error("invalid", "ipipMode and vxlanMode cannot both be enabled: Calico refuses the pool");
    if (!meta || !cidr) return;
    (b.inv.calicoPools ??= []).push({ name: meta.name, cidr, natOutgoing, ipipMode, vxlanMode, disabled, where: `IPPool ${meta.name}` });
  },
};
