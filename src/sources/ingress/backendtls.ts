// backend-protocol HTTPS / GRPCS: ingress-nginx speaks TLS to the backend. Gateway API says so with
// a BackendTLSPolicy per Service.

import type { BackendTlsPolicy } from "../../model/gateway.js";
import type { Ingress } from "../../model/ingress.js";
import { wantsBackendTls } from "./features.js";
import { object } from "./manifest.js";
import type { ConversionReport } from "./report.js";

const PROXY_SSL = ["proxy-ssl-verify", "proxy-ssl-secret", "proxy-ssl-name", "proxy-ssl-server-name"];

/**
 * backend-protocol HTTPS/GRPCS: TLS to the backend. Gateway API says so with a BackendTLSPolicy,
 * which always validates the certificate: it is written only when the Ingress verifies too
 * (proxy-ssl-verify and -server-name "on", -secret with the CA, -name the expected name).
 */
export function backendTlsPolicies(ingresses: readonly Ingress[], report: ConversionReport): BackendTlsPolicy[] {
  const out: BackendTlsPolicy[] = [];
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
      const policy = `${name}-backend-tls`;
      if (out.some((o) => o.namespace === ing.namespace && o.name === policy)) continue;
      const manifest = object("BackendTLSPolicy", ing.namespace, policy, {
        targetRefs: [{ group: "", kind: "Service", name }],
        validation: { hostname: ssl!.name, caCertificateRefs: [{ group: "", kind: "ConfigMap", name: secret }] },
      });
      out.push({
        namespace: ing.namespace, name: policy, generation: 1, order: out.length, manifest, src: ing.src,
        derivedFrom: { kind: "Ingress", namespace: ing.namespace, name: ing.name },
        targets: [{ group: "", kind: "Service", name }], hostname: ssl!.name!,
        caCertificateRefs: [{ group: "", kind: "ConfigMap", namespace: ing.namespace, name: secret! }],
      });
    }
  }
  for (const ing of ingresses) {
    if (ing.nginx.backendProtocol && !wantsBackendTls(ing)) report.annotation(ing, "backend-protocol", "translated", ing.nginx.backendProtocol === "GRPC" ? "as a GRPCRoute" : undefined);
    if (ing.nginx.backendProtocol === "GRPCS") report.annotation(ing, "backend-protocol", "translated", "as a GRPCRoute");
  }
  return out;
}
