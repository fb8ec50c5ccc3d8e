// Istio's per-pod proxy configuration that changes an authorization answer: the annotation
// proxy.istio.io/config (a ProxyConfig as YAML or JSON, which the injector and the gateway deployment
// controller merge over meshConfig.defaultConfig: pilot/pkg/model/proxy_config.go, "Check for
// proxy.istio.io/config annotation"), read for gatewayTopology.numTrustedProxies, the X-Forwarded-For
// hops a gateway's Envoy trusts (pilot/pkg/networking/core/gateway.go: "xffNumTrustedHops =
// proxyConfig.GatewayTopology.NumTrustedProxies").

import type { KindHook } from "../frontend.js";
import { Field } from "../fields.js";
import { parseKubeYaml } from "../kubeyaml.js";

export const PROXY_CONFIG_ANNOTATION = "proxy.istio.io/config";

/** A Pod's proxy.istio.io/config: its gatewayTopology.numTrustedProxies, kept by pod ("namespace/name") in the mesh model. */
export const istioProxyConfigHooks: KindHook[] = [{
  kind: "Pod",
  read(root, ctx, b) {
    // (Raw reads first: every Pod passes here, and few have the annotation; Fields are made only for one that does.)
    const meta = root.raw("metadata") as { name?: unknown; namespace?: unknown; annotations?: Record<string, unknown> } | null | undefined;
    const value = meta?.annotations?.[PROXY_CONFIG_ANNOTATION], name = meta?.name, namespace = meta?.namespace;
    if (typeof value !== "string" || typeof name !== "string") return;
    const text = root.get("metadata").get("annotations").get(PROXY_CONFIG_ANNOTATION);
    let parsed: unknown;
    try { parsed = parseKubeYaml(value) ?? {}; } catch (e) {
      text.warn("invalid-value", `not YAML: ${(e as Error).message.split("\n")[0]} (istiod ignores the annotation: proxyConfigFromAnnotation fails)`);
      return;
    }
    const doc = new Field(ctx, parsed, ["metadata", "annotations", PROXY_CONFIG_ANNOTATION]);
    const field = doc.get("gatewayTopology").get("numTrustedProxies");
    if (!field.present) return;
    // protojson reads a uint32 from a number or a decimal string.
    const hops = typeof field.value === "string" && /^\d+$/.test(field.value) ? Number(field.value) : field.value;
    if (typeof hops !== "number" || !Number.isInteger(hops) || hops < 0 || hops > 4294967295) {
      field.warn("invalid-value", `${JSON.stringify(field.value)} is not a uint32: istiod ignores the annotation (proxyConfigFromAnnotation fails)`);
      return;
    }
    (b.inv.mesh.istio.gatewayTrustedProxies ??= new Map()).set(`${typeof namespace === "string" && namespace ? namespace : "default"}/${name}`, hops);
  },
}];
