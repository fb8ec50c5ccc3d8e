// Front end for the common API's inventory kinds (junction.dev/v1alpha1): Workload (a VM,
// bare-metal host or appliance) and Network (a labelled set of external addresses).

import { parseAddress, type Address, type Cidr } from "../model/ip.js";
import type { NamedPort } from "../model/ports.js";
import type { FrontEnd } from "./frontend.js";
import { readCidr, readMeta, readPortNumber, readProtocol } from "./k8s.js";

export const JUNCTION_API = "junction.dev/v1alpha1";

const workloadFrontEnd: FrontEnd = {
  kind: "Workload", apiVersions: [JUNCTION_API], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const addresses: Address[] = [];
    for (const f of spec.get("addresses").list({ required: true, min: 1 }) ?? []) {
      const s = f.string({ required: true });
      if (s === undefined) continue;
      const a = parseAddress(s);
      if (a) addresses.push(a);
      else f.error("invalid-ip", `${JSON.stringify(s)} is not a valid IP address`);
    }
    const ports: NamedPort[] = [];
    for (const p of spec.get("ports").list() ?? []) {
      const port = readPortNumber(p.get("port"));
      if (port !== undefined) ports.push({ name: p.get("name").string(), port, protocol: readProtocol(p.get("protocol")) });
    }
    if (!meta) return;
    b.addEndpoint({ kind: "workload", name: meta.name, namespace: meta.namespace, labels: meta.labels, addresses, ports, src: ctx.ref });
  },
};

const networkFrontEnd: FrontEnd = {
  kind: "Network", apiVersions: [JUNCTION_API], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const cidrs = (spec.get("cidrs").list({ required: true, min: 1 }) ?? []).map(readCidr).filter((c): c is Cidr => c !== undefined);
    if (!meta) return;
    b.inv.networks.push({ name: meta.name, labels: meta.labels, cidrs, src: ctx.ref });
  },
};

export const commonFrontEnds: FrontEnd[] = [workloadFrontEnd, networkFrontEnd];
