// What the Istio back end needs to know about the inventory: the mesh's trust domain and root
// namespace, which namespaces a selector picks, and which endpoints a subject selects.

import type { Endpoint } from "../../model/endpoint.js";
import type { Inventory } from "../../model/inventory.js";
import { istioTrustDomainOf } from "../../model/mesh.js";
import type { EndpointSelector, NamespaceMatch } from "../../model/policy.js";
import { matches, selector } from "../../model/selector.js";
import { targetPortOn } from "../../model/service-endpoints.js";
import { istioPortProtocol } from "../../engine/l7/istio.js";
import { K8sContext } from "../k8s/context.js";

export class IstioContext {
  readonly k8s: K8sContext;
  readonly trustDomain: string;
  readonly rootNamespace: string;

  constructor(readonly inv: Inventory) {
    this.k8s = new K8sContext(inv);
    this.trustDomain = istioTrustDomainOf(inv.mesh.settings);
    this.rootNamespace = inv.mesh.settings.istioRootNamespace;
  }

  /** The input's namespaces a match picks, sorted; undefined for "any" (every namespace). */
  namespaceNames(m: NamespaceMatch): string[] | undefined {
    if (m.kind === "any") return undefined;
    if (m.kind === "name") return [m.name];
    return [...this.inv.namespaces.keys()].filter((n) => this.k8s.matcher.namespaceMatches(m, n)).sort();
  }

  /** The pods and Workloads a subject selects. */
  selected(sel: EndpointSelector): Endpoint[] {
    return this.inv.endpoints.filter((e) => this.k8s.matcher.selects(sel, e));
  }

  /** Whether two subjects select a common endpoint of this input. */
  overlap(a: EndpointSelector, b: EndpointSelector): boolean {
    return this.selected(a).some((e) => this.k8s.matcher.selects(b, e));
  }

  /** Service ports Istio reads as TCP (not HTTP) that reach the subject's pods: "ns/svc:port" and the pod port. */
  tcpPorts(sel: EndpointSelector): { name: string; target: number }[] {
    const pods = this.selected(sel).filter((e) => e.kind === "pod");
    return this.inv.services.flatMap((s) => s.ports.filter((sp) => sp.protocol === "TCP" && istioPortProtocol(sp) === "tcp").flatMap((sp) => {
      const targets = pods.filter((e) => s.selector && e.namespace === s.namespace && matches(selector(s.selector), e.labels))
        .map((e) => targetPortOn(sp, e)).filter((t): t is number => t !== undefined);
      return [...new Set(targets)].map((target) => ({ name: `${s.namespace}/${s.name}:${sp.port}`, target }));
    }));
  }
}
