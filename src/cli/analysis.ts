// One loaded input with the engines built on it, created when first asked for. The CLI builds
// one per command; `junction serve` keeps one and updates it. Every answer function of a command
// takes an Analysis, so that the CLI and the HTTP API compute the same document the same way.

import type { Loaded } from "../sources/load.js";
import type { LineLookup } from "../model/source.js";
import { istioTrustDomainOf } from "../model/mesh.js";
import { PolicyEngine } from "../engine/verdict.js";
import { FastConnectivity, type Progress } from "../engine/fast/connectivity.js";
import { GatewayEngine } from "../engine/gateway/engine.js";
import type { EngineOptions } from "../engine/options.js";
import { walkContext, type WalkContext } from "../engine/request.js";
import { L7Authorizer } from "../engine/l7/authorizer.js";

export class Analysis {
  private policyEngine?: PolicyEngine;
  private fast?: FastConnectivity;
  private gateway?: GatewayEngine;
  private walkCtx?: WalkContext;

  constructor(readonly loaded: Loaded, readonly options: EngineOptions, private readonly progress?: Progress) {}

  get inventory() { return this.loaded.inventory; }

  get engine(): PolicyEngine { return (this.policyEngine ??= new PolicyEngine(this.loaded.inventory, this.options)); }

  /** The connectivity engine for all-pairs questions. */
  get connectivity(): FastConnectivity { return (this.fast ??= new FastConnectivity(this.engine, this.progress)); }

  private secondary = new Map<string, FastConnectivity>();

  /** The connectivity engine for a secondary network (undefined: the primary networks, as `connectivity`). */
  connectivityOn(network?: string): FastConnectivity {
    if (network === undefined) return this.connectivity;
    let c = this.secondary.get(network);
    if (!c) { c = new FastConnectivity(this.engine, this.progress, network); this.secondary.set(network, c); }
    return c;
  }

  /** Whether the connectivity engine was built (an update then goes to it). */
  get hasConnectivity(): boolean { return this.fast !== undefined; }

  get gateways(): GatewayEngine { return (this.gateway ??= new GatewayEngine(this.loaded.inventory, this.engine.index)); }

  /** The request walk's context: the gateway and policy engines above, the mesh engine, DNS, mesh membership. */
  get walk(): WalkContext {
    const inv = this.loaded.inventory;
    return (this.walkCtx ??= walkContext(inv, { engine: this.options, policy: this.engine, gateways: this.gateways, authorizers: [new L7Authorizer(this.engine)], trustDomain: istioTrustDomainOf(inv.mesh.settings) }));
  }

  /** The routing changed (routes, Services, Gateways, pods): the gateway engine and the walk are built again when asked. */
  routingChanged(): void { this.gateway = undefined; this.walkCtx = undefined; }

  get lines(): LineLookup { return this.loaded.locator.lineOf.bind(this.loaded.locator); }
}
