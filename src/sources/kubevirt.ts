// Front end for KubeVirt (kubevirt.io/v1, v1alpha3): VirtualMachine and VirtualMachineInstance.
// A VM runs in a virt-launcher pod, and that pod is what policies select: the endpoint is a pod
// owned by the VM, with the labels of the VM's template (a VMI's own labels), the named ports of
// its interfaces, its pod-network address and its secondary interfaces (Multus networks) from
// status.interfaces when present, else from the cloud-init network data. A VM's running instance
// (a VMI it owns) stands for its template; a virt-launcher pod of a VM or VMI in the input is that
// same endpoint and is left out.

import { yaml } from "./yamllib.js";
import { nestedTooDeeply } from "./kubeyaml.js";
import { parseAddress, sameAddress, type Address } from "../model/ip.js";
import type { Endpoint, Owner } from "../model/endpoint.js";
import { removeEndpoint } from "../model/inventory.js";
import type { NamedPort } from "../model/ports.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import type { InventoryBuilder } from "./builder.js";
import { readAddresses, readOwner } from "./core.js";
import { readLabels, readMeta, readPortNumber, readProtocol } from "./k8s.js";
import type { NetworkRequest } from "./multus.js";
import { nadId } from "../model/networks.js";

const VERSIONS = ["kubevirt.io/v1", "kubevirt.io/v1alpha3"];
const VM_KINDS = new Set(["VirtualMachine", "VirtualMachineInstance"]);

interface VmiSpec {
  ports: NamedPort[];
  /** Multus networks by the name of the VM network (and interface) that uses them. */
  multus: Map<string, NetworkRequest>;
  /** The VM network on the pod network, if any. */
  podNetwork?: string;
}

function readVmiSpec(spec: Field): VmiSpec {
  const out: VmiSpec = { ports: [], multus: new Map() };
  if (!spec.object(true)) return out;
  for (const n of spec.get("networks").list() ?? []) {
    const name = n.get("name").string({ required: true });
    if (name === undefined) continue;
    if (n.get("pod").present) out.podNetwork = name;
    const ref = n.get("multus").present ? n.get("multus").get("networkName").string({ required: true }) : undefined;
    if (ref) {
      const slash = ref.indexOf("/");
      out.multus.set(name, { network: nadId(slash >= 0 ? ref.slice(slash + 1) : ref), addresses: [], interface: name, ...(slash >= 0 ? { namespace: ref.slice(0, slash) } : {}) });
    }
  }
  for (const i of spec.get("domain").get("devices").get("interfaces").list() ?? []) {
    const name = i.get("name").string({ required: true });
    if (name !== undefined && out.multus.has(name)) continue;
    for (const p of i.get("ports").list() ?? []) {
      const port = readPortNumber(p.get("port"));
      if (port !== undefined) out.ports.push({ name: p.get("name").string(), port, protocol: readProtocol(p.get("protocol")) });
    }
  }
  addCloudInitAddresses(spec, out);
  return out;
}

/**
 * Secondary addresses configured in the guest by cloud-init network data (netplan): as np-guard
 * reads them, the addresses of every guest interface but eth0 belong to the VM's secondary networks.
 */
function addCloudInitAddresses(spec: Field, out: VmiSpec): void {
  if (out.multus.size === 0) return;
  for (const v of spec.get("volumes").list() ?? []) {
    const data = v.get("cloudInitNoCloud").get("networkData");
    const text = data.string();
    if (!text) continue;
    let doc: unknown;
    // cloud-init reads it with PyYAML's safe_load (util.load_yaml), a YAML 1.1 reader: `1:20` is a
    // base-60 integer, `yes`/`on` booleans, so such a value is no address (the YAML 1.2 reading made it one).
    // (Collections nested too deeply for the yaml library are refused before it composes them: kubeyaml.ts nestedTooDeeply.)
    let read = !nestedTooDeeply(text);
    if (read) try { doc = yaml().parse(text, { version: "1.1" }); } catch { read = false; }
    if (!read) { data.warn("invalid-network-data", "cloud-init networkData is not YAML; its addresses are not read"); continue; }
    const ethernets = (doc as { ethernets?: Record<string, { addresses?: unknown }> } | null)?.ethernets ?? {};
    const addresses: Address[] = [];
    for (const [iface, cfg] of Object.entries(ethernets)) {
      if (iface === "eth0" || !Array.isArray(cfg?.addresses)) continue;
      for (const a of cfg.addresses) { const p = typeof a === "string" ? parseAddress(a.split("/")[0]) : undefined; if (p) addresses.push(p); }
    }
    for (const [k, r] of out.multus) out.multus.set(k, { ...r, addresses: [...r.addresses, ...addresses] });
  }
}

/** status.interfaces: the pod-network address, and each Multus interface's addresses (matched by name). */
function readStatusInterfaces(status: Field, spec: VmiSpec): Address[] {
  const primary: Address[] = [];
  for (const i of status.get("interfaces").list() ?? []) {
    const name = i.get("name").string();
    const addrs = readAddresses([i.get("ipAddress"), ...(i.get("ipAddresses").list() ?? [])]);
    const r = name !== undefined ? spec.multus.get(name) : undefined;
    if (r) spec.multus.set(name!, { ...r, addresses: addrs });
    else if (name === undefined || name === spec.podNetwork) primary.push(...addrs.filter((a) => !primary.some((p) => sameAddress(p, a))));
  }
  return primary;
}

function vmEndpoint(meta: { name: string; namespace?: string }, labels: Endpoint["labels"], spec: VmiSpec, owner: Owner, addresses: Address[], ref: Endpoint["src"]): Omit<Endpoint, "id"> {
  const attachments = [...spec.multus.values()];
  return {
    kind: "pod", name: meta.name, namespace: meta.namespace, labels, addresses, ports: spec.ports, owner,
    ...(attachments.length ? { attachments } : {}), src: ref,
  };
}

const vmFrontEnd: FrontEnd = {
  kind: "VirtualMachine", apiVersions: VERSIONS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const template = root.get("spec").get("template");
    if (!root.get("spec").object(true) || !template.object(true)) return;
    const labels = readLabels(template.get("metadata").get("labels"));
    const spec = readVmiSpec(template.get("spec"));
    if (!meta) return;
    const owner = { kind: "VirtualMachine", name: meta.name };
    const pod = { ...vmEndpoint(meta, labels, spec, owner, [], ctx.ref), fromTemplate: true };
    b.addTemplate({ controller: { kind: "VirtualMachine", namespace: meta.namespace!, name: meta.name, replicas: 1, pods: [], src: ctx.ref }, pod });
    dropLaunchers(b);
  },
};

const vmiFrontEnd: FrontEnd = {
  kind: "VirtualMachineInstance", apiVersions: VERSIONS, namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = readVmiSpec(root.get("spec"));
    if (!meta) return;
    const status = root.get("status");
    const phase = status.get("phase").string();
    if (phase === "Succeeded" || phase === "Failed") {
      ctx.info(["status", "phase"], "finished-vmi", `VirtualMachineInstance ${meta.namespace}/${meta.name} is ${phase}: it takes no part in the analysis`);
      return;
    }
    const addresses = readStatusInterfaces(status, spec);
    const parent = readOwner(root.get("metadata"));
    const owner = parent?.kind === "VirtualMachine" ? parent : { kind: "VirtualMachineInstance", name: meta.name };
    const e = b.addEndpoint(vmEndpoint(meta, meta.labels, spec, owner, addresses, ctx.ref));
    const nodeName = status.get("nodeName").string();
    if (nodeName) e.nodeName = nodeName;
    dropLaunchers(b);
  },
};

const launcherCheck = new WeakSet<InventoryBuilder>();

/** Once per load: virt-launcher pods (owned by a VMI) of a VM or VMI in the input are that VM's endpoint already. */
function dropLaunchers(b: InventoryBuilder): void {
  if (launcherCheck.has(b)) return;
  launcherCheck.add(b);
  b.defer(() => {
    const vms = new Set(b.inv.controllers.filter((c) => c.kind === "VirtualMachine").map((c) => `${c.namespace}/${c.name}`));
    for (const e of b.inv.endpoints) if (isInstance(e)) vms.add(`${e.namespace}/${e.name}`);
    const launchers = b.inv.endpoints.filter((e) => isLauncher(e) && vms.has(`${e.namespace}/${e.owner!.name}`));
    for (const e of launchers) {
      b.diags.info("virt-launcher", `pod ${e.namespace}/${e.name} is the virt-launcher pod of VirtualMachineInstance ${e.namespace}/${e.owner!.name}, which is in the input: the VM stands for it`, e.src);
      removeEndpoint(b.inv, e);
    }
  });
}

/** A VMI's endpoint: owned by its VM, or by itself (a VMI without a VM). */
const isInstance = (e: Endpoint) => e.kind === "pod" && !e.fromTemplate && e.owner !== undefined && VM_KINDS.has(e.owner.kind) && e.owner.name === e.name;
/** A virt-launcher pod: a pod the VMI controls (named virt-launcher-VMI-xxxxx). */
const isLauncher = (e: Endpoint) => e.kind === "pod" && e.owner?.kind === "VirtualMachineInstance" && e.owner.name !== e.name;

export const kubevirtFrontEnds: FrontEnd[] = [vmFrontEnd, vmiFrontEnd];
