// What the conversion did with each Ingress: every annotation is translated, not translated (with
// why) or ignored, and object-level notes (skipped Ingresses, approximations). Nothing is dropped
// without an entry here.

import type { Ingress } from "../../model/ingress.js";
import { INGRESS_CLASS_ANNOTATION } from "../../model/ingress.js";
import { NGINX_PREFIX } from "../../model/nginx.js";
import type { Severity, SourceRef } from "../../model/source.js";

export type AnnotationStatus = "translated" | "not-translated" | "ignored";

export interface AnnotationEntry {
  key: string;
  value: string;
  status: AnnotationStatus;
  message?: string;
}

export interface ReportNote {
  severity: Severity;
  message: string;
}

export interface IngressReport {
  namespace: string;
  name: string;
  src?: SourceRef;
  /** Converted, or skipped (with a note saying why). */
  converted: boolean;
  annotations: AnnotationEntry[];
  notes: ReportNote[];
}

/** Annotations with no routing meaning (tooling bookkeeping). */
const METADATA_PREFIXES = ["kubectl.kubernetes.io/", "meta.helm.sh/", "helm.sh/", "argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/", "deployment.kubernetes.io/"];

/** Why well-known ingress-nginx annotations have no Gateway API translation. */
const NGINX_REASONS: [RegExp, string][] = [
  [/^(whitelist|denylist|allowlist)-source-range$/, "IP allow/deny lists have no Gateway API equivalent; use a NetworkPolicy or an implementation policy"],
  [/^(proxy-body-size|client-body-buffer-size|proxy-buffer.*|proxy-request-buffering)$/, "body size and buffering have no Gateway API equivalent"],
  [/^(affinity|affinity-mode|session-cookie-.*)$/, "session affinity has no Gateway API standard field"],
  [/^(configuration|server|stream)-snippet$/, "nginx configuration snippets cannot be translated"],
  [/^auth-/, "external and basic authentication have no Gateway API standard field"],
  [/^limit-/, "rate limiting has no Gateway API standard field"],
  [/^(custom-headers|proxy-redirect-from|proxy-redirect-to)$/, "no Gateway API equivalent"],
];

export class ConversionReport {
  private readonly byIngress = new Map<Ingress, IngressReport>();

  entry(ing: Ingress): IngressReport {
    let r = this.byIngress.get(ing);
    if (!r) {
      r = { namespace: ing.namespace, name: ing.name, src: ing.src, converted: true, annotations: [], notes: [] };
      this.byIngress.set(ing, r);
    }
    return r;
  }

  note(ing: Ingress, severity: Severity, message: string): void {
    const r = this.entry(ing);
    if (!r.notes.some((n) => n.message === message)) r.notes.push({ severity, message });
  }

  skip(ing: Ingress, severity: Severity, why: string): void {
    this.entry(ing).converted = false;
    this.note(ing, severity, `not converted: ${why}`);
  }

  /** Records the status of an nginx annotation (short name) or a full key; the first verdict on a key stands. */
  annotation(ing: Ingress, key: string, status: AnnotationStatus, message?: string): void {
    const full = key.includes("/") ? key : NGINX_PREFIX + key;
    if (!(full in ing.annotations)) return;
    const r = this.entry(ing);
    if (!r.annotations.some((a) => a.key === full)) r.annotations.push({ key: full, value: ing.annotations[full], status, message });
  }

  /** Gives every annotation not yet decided its default verdict; returns the reports in input order. */
  finish(ingresses: readonly Ingress[]): IngressReport[] {
    for (const ing of ingresses) {
      for (const key of Object.keys(ing.annotations)) this.annotation(ing, key, ...defaultVerdict(ing, key));
      this.entry(ing).annotations.sort((a, b) => (a.key < b.key ? -1 : 1));
    }
    return ingresses.map((i) => this.entry(i));
  }
}

function defaultVerdict(ing: Ingress, key: string): [AnnotationStatus, string | undefined] {
  if (key === INGRESS_CLASS_ANNOTATION) return ["translated", "the Ingress class selects the Gateway"];
  if (METADATA_PREFIXES.some((p) => key.startsWith(p))) return ["ignored", "tooling metadata, no routing meaning"];
  if (!key.startsWith(NGINX_PREFIX)) return ["not-translated", "not an ingress-nginx annotation; Junction translates ingress-nginx annotations only"];
  if (ing.nginx.canary && !key.startsWith(`${NGINX_PREFIX}canary`)) return ["ignored", "ingress-nginx ignores the annotations of a canary Ingress other than canary-* (the main Ingress's apply)"];
  const short = key.slice(NGINX_PREFIX.length);
  const reason = NGINX_REASONS.find(([re]) => re.test(short))?.[1];
  return ["not-translated", reason ?? (ing.nginx.read.includes(key) ? "no Gateway API translation in this context" : "unsupported ingress-nginx annotation")];
}
