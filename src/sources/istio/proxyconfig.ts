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
    const md = root.get("metadata"), text = md.get("annotations").get(PROXY_CONFIG_ANNOTATION);
    const value = text.string();
    const name = md.raw("name"), namespace = md.raw("namespace");
    if (value === undefined || typeof name !== "string") return;
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
