// Front end for OpenShift Route (route.openshift.io/v1), read minimally: the host and path, the
// weighted Services it sends to, the target port and the TLS termination.

import type { RouteBackend } from "../model/ingress.js";
import type { Field } from "./fields.js";
import type { FrontEnd } from "./frontend.js";
import { dns1035LabelError, hostError, readMeta, readPortOrName } from "./k8s.js";

const routeFrontEnd: FrontEnd = {
  kind: "Route", apiVersions: ["route.openshift.io/v1"], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true)) return;
    const hostField = spec.get("host");
    const host = hostField.string() || undefined;
    const hostErr = host && hostError(host);
    if (hostErr) hostField.error("invalid-host", hostErr);
    const path = spec.get("path").string() || undefined;
    if (path !== undefined && !path.startsWith("/")) spec.get("path").error("invalid-path", `${JSON.stringify(path)} must start with "/"`);
    const to = readBackend(spec.get("to"), true);
    const alternates = (spec.get("alternateBackends").list({ max: 3 }) ?? []).map((f) => readBackend(f, false));
    const port = spec.get("port");
    const targetPort = port.object() ? readPortOrName(port.get("targetPort")) : undefined;
    if (port.present && !port.get("targetPort").present) port.get("targetPort").missing();
    const termination = spec.get("tls").object() ? spec.get("tls").get("termination").string({ required: true, oneOf: ["edge", "passthrough", "reencrypt"] }) : undefined;
    if (!meta) return;
    b.useNamespace(meta.namespace!, ctx.ref);
    const backends = [to, ...alternates].filter((x): x is RouteBackend => x !== undefined);
    b.inv.ingress.routes.push({ namespace: meta.namespace!, name: meta.name, host, path, backends, targetPort, termination, src: ctx.ref });
  },
};

/** A Route target: a Service (the only kind routers serve) with a weight 0-256 (default 100). */
function readBackend(f: Field, required: boolean): RouteBackend | undefined {
  if (!f.object(required)) return undefined;
  const kind = f.get("kind").string() || "Service";
  const nameField = f.get("name");
  const name = nameField.string({ required: true, nonEmpty: true });
  const weight = f.get("weight").int({ min: 0, max: 256 }) ?? 100;
  if (kind !== "Service") { f.get("kind").warn("unsupported-kind", `a Route target of kind ${JSON.stringify(kind)} is ignored (only Service is served)`); return undefined; }
  const err = name !== undefined ? dns1035LabelError(name) : undefined;
  if (err) nameField.error("invalid-name", err);
  return name !== undefined && !err ? { name, weight } : undefined;
}

export const openshiftFrontEnds: FrontEnd[] = [routeFrontEnd];
