// OverlappingTLSConfig (GEP-1713 listener conditions): HTTPS listeners on one port whose hostnames
// overlap ("A: foo.example.com, C: *.example.com": both are marked), or whose certificates' DNS
// names do. The condition is set on every listener involved and only when True; when both
// overlap, the reason is OverlappingCertificates, as the spec asks.

import { intersectHostnames } from "../../model/hostname.js";
import { subjectAltNames } from "./certs.js";
import type { ListenerState } from "./listeners.js";

const usable = (l: ListenerState) => l.listener.protocol === "HTTPS" && !l.accepted && !l.conflicted;

function certificateNames(l: ListenerState): string[] {
  return l.certificates.flatMap((m) => m.certificates.slice(0, 1).flatMap((pem) => subjectAltNames(pem).dns));
}

function overlappingName(a: readonly string[], b: readonly string[]): [string, string] | undefined {
  for (const x of a) for (const y of b) if (intersectHostnames(x, y) !== null) return [x, y];
  return undefined;
}

/** Sets `overlap` on the listeners (one Gateway's, with its ListenerSets' merged) whose TLS configuration overlaps. */
export function markOverlaps(listeners: readonly ListenerState[]): void {
  const https = listeners.filter(usable);
  for (const l of https) {
    const others = https.filter((o) => o !== l && o.listener.port === l.listener.port);
    const byCert = others.map((o) => ({ o, names: overlappingName(certificateNames(l), certificateNames(o)) })).find((x) => x.names);
    const byHost = others.find((o) => intersectHostnames(l.listener.hostname, o.listener.hostname) !== null);
    const host = (h: string | undefined) => h ?? "(any hostname)";
    if (byCert) l.overlap = { reason: "OverlappingCertificates", message: `the certificate name ${byCert.names![0]} overlaps with ${byCert.names![1]} of listener ${byCert.o.listener.name}` };
    else if (byHost) l.overlap = { reason: "OverlappingHostnames", message: `the hostname ${host(l.listener.hostname)} overlaps with ${host(byHost.listener.hostname)} of listener ${byHost.listener.name}` };
  }
}
