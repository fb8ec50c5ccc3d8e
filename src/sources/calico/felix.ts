// Calico felix's configuration where it changes answers: DefaultEndpointToHostAction (what a pod's
// traffic to its own host meets after its egress policy), from FelixConfiguration objects
// (projectcalico.org/v3, crd.projectcalico.org/v1: `default`, and `node.NAME` for one node) and the
// calico-node (or canal) DaemonSet's environment, FELIX_DEFAULTENDPOINTTOHOSTACTION. model/cni.ts
// felixToHost resolves them per node as felix does; the engine applies them (verdict.ts hostAction).

import { cniOfDaemonSet, felixEnvSetting, type CalicoFelix, type EndpointToHostAction, type FelixSetting } from "../../model/cni.js";
import type { InventoryBuilder, StateKey } from "../builder.js";
import type { Field } from "../fields.js";
import type { FrontEnd, KindHook } from "../frontend.js";
import { readMeta } from "../k8s.js";

const ACTIONS: Record<string, EndpointToHostAction> = { drop: "Drop", accept: "Accept", return: "Return" };
const ENV = "FELIX_DEFAULTENDPOINTTOHOSTACTION";
const ISSUE = "projectcalico/calico#7398";

interface FelixState { felix: CalicoFelix; fields: Map<string, Field>; env?: Field }

const FELIX: StateKey<FelixState> = { make: () => ({ felix: { configs: new Map() }, fields: new Map() }), settle };

/**
 * FelixConfiguration: the CRD's pattern `^(?i)(Drop|Accept|Return)?$` (empty: unset); felix reads the
 * objects named `default` and `node.<its node name>` (felixconfig.md), no other.
 */
const felixConfigurationFrontEnd: FrontEnd = {
  kind: "FelixConfiguration", apiVersions: ["projectcalico.org/v3", "crd.projectcalico.org/v1"], namespaced: false,
  read(root, _ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    spec.object();
    const f = spec.get("defaultEndpointToHostAction");
    const text = f.string();
    let action: EndpointToHostAction | undefined;
    if (text) {
      action = ACTIONS[text.toLowerCase()];
      if (!action) f.error("enum", `${JSON.stringify(text)} is not Drop, Accept or Return (the CRD's pattern, any case): the API server refuses the object`);
    }
    if (!meta) return;
    const state = b.state(FELIX);
    state.felix.shownBy ??= `FelixConfiguration ${meta.name}`;
    if (meta.name !== "default" && !meta.name.startsWith("node.")) {
      if (action) f.info("vendor-config", `felix reads the FelixConfiguration named default and those named node.<node name>, not ${meta.name}: this setting applies to no node`);
      return;
    }
    if (!action) return;
    state.felix.configs.set(meta.name, { action, where: `FelixConfiguration ${meta.name}` });
    state.fields.set(meta.name, f);
  },
};

/**
 * The calico-node DaemonSet's (canal's) FELIX_DEFAULTENDPOINTTOHOSTACTION, from its container named
 * calico-node (else any container): felix reads FELIX_* variables whatever their case
 * (env_var_loader.go LoadConfigFromEnvironment), ignores an empty value (config_params.go UpdateFrom),
 * takes DROP, RETURN or ACCEPT in any case and refuses to start on another (`oneof(DROP,RETURN,ACCEPT);
 * DROP;non-zero,die-on-fail`); of two entries, the kubelet keeps the last. Of two such DaemonSets, the last read.
 */
function readFelixEnv(podSpec: Field, meta: { name: string; namespace: string }, b: InventoryBuilder): void {
  if (cniOfDaemonSet(meta.name)?.family !== "calico") return;
  // (The same DaemonSet twice: the last one read stands, as kubectl apply leaves it.)
  const state = b.state(FELIX);
  state.env = undefined;
  const containers = podSpec.childList("containers") ?? [];
  const felix = containers.filter((c) => c.raw("name") === "calico-node");
  let setting: FelixSetting | "unresolved" | undefined;
  const where = `${meta.namespace}/${meta.name}`;
  for (const c of felix.length ? felix : containers) {
    for (const e of c.childList("env") ?? []) {
      const name = e.raw("name");
      if (typeof name !== "string" || name.toUpperCase() !== ENV) continue;
      const value = e.raw("value");
      if (e.get("valueFrom").present && (value === undefined || value === "")) { setting = "unresolved"; state.env = e.get("valueFrom"); continue; }
      const text = e.get("value").string();
      if (!text) continue;
      const action = ACTIONS[text.toLowerCase()];
      if (!action) { e.get("value").error("enum", `${JSON.stringify(text)} is not DROP, RETURN or ACCEPT: felix refuses to start`); continue; }
      setting = { action, where: `${name}=${text} in DaemonSet ${where}` };
      state.env = e.get("value");
    }
  }
  state.felix.daemonSet = { where, ...(setting ? { setting } : {}) };
}

/** Once every object is read: the configuration into the inventory, and warnings where a setting is overridden or read by assumption. */
function settle(state: FelixState, b: InventoryBuilder): void {
  const { felix, fields } = state;
  b.inv.calicoFelix = felix;
  const ds = felix.daemonSet, env = felixEnvSetting(felix);
  for (const [name, s] of felix.configs) {
    const f = fields.get(name)!;
    if (env) {
      if (env.action !== s.action) f.warn("vendor-config", `overridden: ${env.where}, which felix reads before any FelixConfiguration (${ISSUE}); this ${s.action} applies to no node`);
    } else if (!ds && s.action !== "Accept") {
      f.warn("vendor-config", `Calico's manifests and operator set ${ENV}=ACCEPT on calico-node, which felix reads before any FelixConfiguration (${ISSUE}): in such an install this ${s.action} has no effect; the input shows no calico-node DaemonSet, so it is read as given`);
    }
  }
  if (ds?.setting === "unresolved") state.env?.warn("vendor-config", `${ENV} comes from a reference the input does not resolve: the FelixConfigurations decide, else Accept, as Calico's manifests and operator set it`);
  // The setting in force that says Return: the environment's, else the first FelixConfiguration's.
  const returned = env ? (env.action === "Return" ? state.env : undefined) : fields.get([...felix.configs].find(([, s]) => s.action === "Return")?.[0] ?? "");
  returned?.warn("vendor-config", "Return hands a pod's traffic to its own host to the host's INPUT chain, whose own rules the input does not show: read as accepted (iptables' default policy)");
}

export const felixFrontEnds: FrontEnd[] = [felixConfigurationFrontEnd];

/** A DaemonSet calico-node (or canal): felix's environment (readFelixEnv), once core.ts read it as a controller with a pod template. */
export const felixKindHooks: KindHook[] = [{
  kind: "DaemonSet",
  read(root, _ctx, b) {
    const md = root.get("metadata"), name = md.raw("name"), namespace = md.raw("namespace");
    const template = root.get("spec").get("template");
    if (typeof name !== "string" || name === "" || template.value === null || typeof template.value !== "object") return;
    readFelixEnv(template.get("spec"), { name, namespace: typeof namespace === "string" && namespace !== "" ? namespace : "default" }, b);
  },
}];
