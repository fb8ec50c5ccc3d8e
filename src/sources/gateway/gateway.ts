// Front ends for GatewayClass and Gateway, with the CRD schema and CEL rules on listeners
// (unique names and port/protocol/hostname combinations, TLS required for HTTPS, forbidden for
// HTTP/TCP/UDP, no hostname on TCP/UDP, certificates required to terminate TLS).

import { isIP } from "node:net";
import type { AllowedListeners, AllowedRoutes, FrontendValidation, Gateway, GatewayAddress, Listener } from "../../model/gateway.js";
import { CORE_GROUP, GATEWAY_GROUP, type ObjectRef } from "../../model/route.js";
import type { Field } from "../fields.js";
import type { FrontEnd } from "../frontend.js";
import { readMeta, readPortNumber, readSelector } from "../k8s.js";
import { readObjectRef } from "./refs.js";
import { GATEWAY_API_VERSIONS as V, manifestOf, readGroup, readHostname, readKind, readLifecycle, readObjectName, readSectionName } from "./values.js";

const PROTOCOL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9]+$/;
const ADDRESS_TYPE = /^Hostname$|^IPAddress$|^NamedAddress$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

const gatewayClassFrontEnd: FrontEnd = {
  kind: "GatewayClass", apiVersions: [V.v1, V.v1beta1, V.v1alpha2], namespaced: false,
  read(root, ctx, b) {
    const meta = readMeta(root, false);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const cn = spec.get("controllerName");
    const controllerName = cn.string({ required: true }) ?? "";
    // A domain-prefixed path: the CRD's pattern (schemas/upstream) makes anything else an error.
    const p = spec.get("parametersRef");
    const parametersRef = p.object() ? readObjectRef(p, p.get("namespace").string() ?? "", CORE_GROUP, "") : undefined;
    b.inv.routing.gatewayClasses.push({ name: meta.name, controllerName, ...readLifecycle(root), parametersRef, manifest: manifestOf(root), src: ctx.ref });
  },
};

function readAllowedRoutes(f: Field): AllowedRoutes {
  const ns = f.get("namespaces");
  const from = (ns.get("from").string({ oneOf: ["All", "Same", "Selector"] }) ?? "Same") as AllowedRoutes["namespaces"]["from"];
  const selector = ns.get("selector").present ? readSelector(ns.get("selector")) : undefined;
  if (from === "Selector" && !selector) ns.get("selector").warn("required", "from: Selector without a selector allows no namespace");
  const kindList = f.get("kinds").list({ max: 8 });
  const kinds = kindList?.map((k) => ({ group: readGroup(k.get("group"), GATEWAY_GROUP), kind: readKind(k.get("kind"), "") }));
  kindList?.forEach((k) => { if (!k.get("kind").present) k.get("kind").missing(); });
  return { namespaces: { from, selector }, kinds };
}

function readListenerTls(f: Field, protocol: string | undefined, namespace: string): Listener["tls"] {
  const plain = protocol === "HTTP" || protocol === "TCP" || protocol === "UDP";
  if (f.present && plain) { f.error("forbidden", `tls must not be set for protocol ${protocol}`); return undefined; }
  if (!f.object()) {
    if (protocol === "HTTPS" || protocol === "TLS") f.error("required", `tls must be set for protocol ${protocol}`);
    return undefined;
  }
  const mode = (f.get("mode").string({ oneOf: ["Terminate", "Passthrough"] }) ?? "Terminate") as "Terminate" | "Passthrough";
  if (protocol === "HTTPS" && mode === "Passthrough") f.get("mode").error("invalid-value", "an HTTPS listener terminates TLS; use protocol TLS for Passthrough");
  const refs = (f.get("certificateRefs").list({ max: 64 }) ?? []).map((r) => readObjectRef(r, namespace, CORE_GROUP, "Secret")).filter((r): r is ObjectRef => r !== undefined);
  if (mode === "Terminate" && refs.length === 0 && !f.get("options").present) f.error("required", "certificateRefs must be set when mode is Terminate");
  return { mode, certificateRefs: refs };
}

function readListener(f: Field, namespace: string): Listener | undefined {
  if (!f.object(true)) return undefined;
  const name = readSectionName(f.get("name"), true);
  const protoField = f.get("protocol");
  const protocol = protoField.string({ required: true });
  if (protocol !== undefined && (protocol.length > 255 || !PROTOCOL.test(protocol))) protoField.error("invalid-value", `${JSON.stringify(protocol)} is not a valid protocol name`);
  const port = readPortNumber(f.get("port"));
  const hostname = readHostname(f.get("hostname"));
  if (hostname !== undefined && (protocol === "TCP" || protocol === "UDP")) f.get("hostname").error("forbidden", `hostname must not be set for protocol ${protocol}`);
  const tls = readListenerTls(f.get("tls"), protocol, namespace);
  if (name === undefined || protocol === undefined || port === undefined) return undefined;
  return { name, port, protocol, hostname, tls, allowedRoutes: readAllowedRoutes(f.get("allowedRoutes")) };
}

/** A Gateway's listeners (at least one), or a ListenerSet's. */
function readListeners(list: Field, namespace: string): Listener[] {
  const out: Listener[] = [];
  for (const f of list.list({ required: true, min: 1, max: 64 }) ?? []) {
    const l = readListener(f, namespace);
    if (!l) continue;
    if (out.some((o) => o.name === l.name)) f.get("name").error("duplicate", `listener name ${JSON.stringify(l.name)} is used twice; names must be unique`);
    else if (out.some((o) => o.port === l.port && o.protocol === l.protocol && o.hostname === l.hostname)) {
      f.error("duplicate", `another listener already uses port ${l.port}, protocol ${l.protocol} and ${l.hostname ? `hostname ${l.hostname}` : "no hostname"}; the combination must be unique`);
    } else out.push(l);
  }
  return out;
}

function readAddresses(list: Field): GatewayAddress[] {
  const out: GatewayAddress[] = [];
  for (const f of list.list({ max: 16 }) ?? []) {
    if (!f.object(true)) continue;
    const type = f.get("type").string() ?? "IPAddress";
    if (!ADDRESS_TYPE.test(type)) f.get("type").error("invalid-value", `${JSON.stringify(type)} is not an address type (IPAddress, Hostname, NamedAddress or a domain-prefixed name)`);
    const value = f.get("value").string({ nonEmpty: true });
    if (value !== undefined && type === "IPAddress" && !isIP(value)) f.get("value").error("invalid-ip", `${JSON.stringify(value)} is not an IP address`);
    if (value !== undefined && type === "Hostname") readHostname(f.get("value"));
    out.push({ type, value });
  }
  return out;
}

function readValidation(f: Field, namespace: string): FrontendValidation | undefined {
  if (!f.object()) return undefined;
  const refs = (f.get("caCertificateRefs").list({ required: true, min: 1, max: 8 }) ?? [])
    .map((r) => readObjectRef(r, namespace, CORE_GROUP, "ConfigMap")).filter((r): r is ObjectRef => r !== undefined);
  const mode = (f.get("mode").string({ oneOf: ["AllowValidOnly", "AllowInsecureFallback"] }) ?? "AllowValidOnly") as FrontendValidation["mode"];
  return { caCertificateRefs: refs, mode };
}

function readGatewayTls(f: Field, namespace: string): Gateway["tls"] {
  if (!f.object()) return undefined;
  const cert = f.get("backend").get("clientCertificateRef");
  const frontend = f.get("frontend");
  const perPort: { port: number; validation: FrontendValidation }[] = [];
  for (const p of frontend.get("perPort").list({ max: 64 }) ?? []) {
    const port = readPortNumber(p.get("port"));
    const validation = readValidation(p.get("tls").get("validation"), namespace);
    if (port !== undefined && validation) perPort.push({ port, validation });
  }
  return {
    backendClientCertificate: cert.present ? readObjectRef(cert, namespace, CORE_GROUP, "Secret") : undefined,
    frontendDefault: readValidation(frontend.get("default").get("validation"), namespace),
    frontendPerPort: perPort,
  };
}

function readAllowedListeners(f: Field): AllowedListeners {
  const from = (f.get("from").string({ oneOf: ["All", "Same", "Selector", "None"] }) ?? "None") as AllowedListeners["from"];
  const selector = f.get("selector").present ? readSelector(f.get("selector")) : undefined;
  if (from === "Selector" && !selector) f.get("selector").warn("required", "from: Selector without a selector allows no namespace");
  return { from, selector };
}

/** status.addresses' values, read raw (status is the controller's, not validated): only when the object has a status. */
function statusAddresses(status: Field): { statusAddresses?: string[] } {
  if (status.value === null || typeof status.value !== "object" || Array.isArray(status.value)) return {};
  const list = status.get("addresses");
  const values: string[] = [];
  if (Array.isArray(list.value)) for (let i = 0; i < list.value.length; i++) { const v = list.get(i).raw("value"); if (typeof v === "string") values.push(v); }
  return { statusAddresses: values };
}

const gatewayFrontEnd: FrontEnd = {
  kind: "Gateway", apiVersions: [V.v1, V.v1beta1, V.v1alpha2], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const ns = meta.namespace!;
    const className = readObjectName(spec.get("gatewayClassName")) ?? "";
    const listeners = readListeners(spec.get("listeners"), ns);
    const infra = spec.get("infrastructure");
    const p = infra.get("parametersRef");
    const parametersRef = p.object() ? { group: readGroup(p.get("group"), ""), kind: readKind(p.get("kind"), ""), name: readObjectName(p.get("name")) ?? "" } : undefined;
    b.useNamespace(ns, ctx.ref);
    b.inv.routing.gateways.push({
      namespace: ns, name: meta.name, ...readLifecycle(root), order: b.inv.routing.gateways.length, manifest: manifestOf(root), src: ctx.ref,
      className, listeners, allowedListeners: readAllowedListeners(spec.get("allowedListeners").get("namespaces")), addresses: readAddresses(spec.get("addresses")),
      infrastructure: infra.object() ? { parametersRef } : undefined, tls: readGatewayTls(spec.get("tls"), ns), ...statusAddresses(root.get("status")),
    });
  },
};

const listenerSetFrontEnd: FrontEnd = {
  kind: "ListenerSet", apiVersions: [V.v1], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const ns = meta.namespace!;
    const p = spec.get("parentRef");
    p.object(true);
    const parentRef = {
      group: readGroup(p.get("group"), GATEWAY_GROUP), kind: readKind(p.get("kind"), "Gateway"),
      namespace: p.get("namespace").string() ?? ns, name: readObjectName(p.get("name")) ?? "",
    };
    const listeners = readListeners(spec.get("listeners"), ns);
    b.useNamespace(ns, ctx.ref);
    b.inv.routing.listenerSets.push({
      namespace: ns, name: meta.name, ...readLifecycle(root), order: b.inv.routing.listenerSets.length, manifest: manifestOf(root), src: ctx.ref, parentRef, listeners,
    });
  },
};

export const gatewayFrontEnds: FrontEnd[] = [gatewayClassFrontEnd, gatewayFrontEnd, listenerSetFrontEnd];
