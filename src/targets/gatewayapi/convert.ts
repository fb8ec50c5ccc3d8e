// Ingress → Gateway API, with ingress-nginx's meaning of its annotations. One Gateway per
// (namespace, class), one route per (namespace, class, host, protocol), names as ingress2gateway
// gives them. Every annotation ends up in the report as translated, not translated or ignored.

import type { Inventory } from "../../model/inventory.js";
import type { Ingress } from "../../model/ingress.js";
import type { Diagnostic } from "../../model/source.js";
import { assembleRoutes, GatewayBuilder, takePassthrough } from "../../engine/ingress/assemble.js";
import { groupRules } from "../../engine/ingress/canary.js";
import { emitGateway, emitRoute, object, type K8sObject } from "./emit.js";
import { applyHostFeatures, applyRuleFeatures, wantsBackendTls } from "../../engine/ingress/features.js";
import { groupPaths, selectIngresses } from "../../engine/ingress/group.js";
import type { RouteIR } from "../../engine/ingress/ir.js";
import { ConversionReport, type IngressReport } from "../../engine/ingress/report.js";

export interface ConvertOptions {
  /** Convert only Ingresses of this class (class-less ones count as the default IngressClass's). */
  ingressClass?: string;
  /** gatewayClassName of the generated Gateways; default: the Ingress class name. */
  gatewayClass?: string;
}

export interface Conversion {
  objects: K8sObject[];
  reports: IngressReport[];
  /** Problems that stop the conversion (e.g. a port name no Service resolves). */
  errors: Diagnostic[];
}

export function convertIngresses(inv: Inventory, options: ConvertOptions = {}): Conversion {
  const report = new ConversionReport();
  const errors: Diagnostic[] = [];
  const selected = selectIngresses(inv, options.ingressClass, report);
  const gateways = new Map<string, GatewayBuilder>();
  const routes: RouteIR[] = [];
  const groups = groupPaths(selected, inv, errors);
  for (const g of groups) {
    const key = `${g.namespace}/${g.className}`;
    const hosts = new Set(groups.filter((x) => x.namespace === g.namespace && x.className === g.className).map((x) => x.host));
    if (!gateways.has(key)) gateways.set(key, new GatewayBuilder(g.namespace, g.className, options.gatewayClass ?? g.className, hosts));
    const passthrough = takePassthrough(g);
    const rules = groupRules(g, report);
    applyRuleFeatures(rules, report);
    routes.push(...assembleRoutes(g, applyHostFeatures(g, rules, report), passthrough, gateways.get(key)!, report));
  }
  const ingresses = selected.map(([i]) => i);
  for (const ing of ingresses) noteWildcards(ing, report);
  const objects = [...[...gateways.values()].map((b) => emitGateway(b.gateway)), ...routes.map(emitRoute), ...backendTlsPolicies(ingresses, report)];
  return { objects, reports: report.finish(inv.ingress.ingresses), errors };
}

/** Ingress wildcards cover one label; Gateway API's any number of them. */
function noteWildcards(ing: Ingress, report: ConversionReport): void {
  for (const host of new Set(ing.rules.map((r) => r.host).filter((h) => h?.startsWith("*.")))) {
    report.note(ing, "warning", `host ${host} covers exactly one label in an Ingress, any number in Gateway API: deeper names such as a.b${host!.slice(1)} are routed after conversion`);
  }
}

const PROXY_SSL = ["proxy-ssl-verify", "proxy-ssl-secret", "proxy-ssl-name", "proxy-ssl-server-name"];

/**
 * backend-protocol HTTPS/GRPCS: TLS to the backend. Gateway API says so with a BackendTLSPolicy,
 * which always validates the certificate: it is written only when the Ingress verifies too
 * (proxy-ssl-verify and -server-name "on", -secret with the CA, -name the expected name).
 */
function backendTlsPolicies(ingresses: readonly Ingress[], report: ConversionReport): K8sObject[] {
  const out: K8sObject[] = [];
  for (const ing of ingresses.filter(wantsBackendTls)) {
    const ssl = ing.nginx.proxySsl;
    const [secretNs, secret] = ssl?.secret?.includes("/") ? ssl.secret.split("/", 2) : [ing.namespace, ssl?.secret];
    const problem = !(ssl?.verify && ssl.serverName && ssl.name && secret) ? "Gateway API verifies backend certificates: set proxy-ssl-verify: on, proxy-ssl-secret, proxy-ssl-server-name: on and proxy-ssl-name to translate it"
      : secretNs !== ing.namespace ? `proxy-ssl-secret ${ssl.secret} is in another namespace; a BackendTLSPolicy's CA reference is local`
      : undefined;
    if (problem) {
      report.annotation(ing, "backend-protocol", "not-translated", `TLS to the backend is not translated (the Gateway will speak plain ${ing.nginx.backendProtocol === "GRPCS" ? "gRPC" : "HTTP"} to it): ${problem}`);
      for (const k of PROXY_SSL) report.annotation(ing, k, "not-translated", problem);
      continue;
    }
    for (const k of ["backend-protocol", ...PROXY_SSL]) report.annotation(ing, k, "translated", k === "proxy-ssl-secret" ? `the CA is referenced as ConfigMap ${secret} (create it from the Secret's ca.crt)` : undefined);
    for (const name of new Set(ing.rules.flatMap((r) => r.paths).map((p) => p.backend).filter((b) => b.kind === "service").map((b) => b.name))) {
      if (out.some((o) => o.metadata.namespace === ing.namespace && o.metadata.name === `${name}-backend-tls`)) continue;
      out.push(object("BackendTLSPolicy", ing.namespace, `${name}-backend-tls`, {
        targetRefs: [{ group: "", kind: "Service", name }],
        validation: { hostname: ssl!.name, caCertificateRefs: [{ group: "", kind: "ConfigMap", name: secret }] },
      }));
    }
  }
  for (const ing of ingresses) {
    if (ing.nginx.backendProtocol && !wantsBackendTls(ing)) report.annotation(ing, "backend-protocol", "translated", ing.nginx.backendProtocol === "GRPC" ? "as a GRPCRoute" : undefined);
    if (ing.nginx.backendProtocol === "GRPCS") report.annotation(ing, "backend-protocol", "translated", "as a GRPCRoute");
  }
  return out;
}
