// The library's public surface: load manifests into the model, ask the verdict engine about one
// flow, and ask the connectivity engine about all pairs (kept current by incremental updates).
// Everything else is internal and may change.

export { loadPaths, loadFiles, type Loaded } from "./sources/load.js";
export type { Inventory } from "./model/inventory.js";
export type { Endpoint, Namespace } from "./model/endpoint.js";
export type { Policy, Rule, Peer, Tier, Direction } from "./model/policy.js";
export { formatConns, type ConnSet, type Protocol } from "./model/ports.js";
export { PolicyEngine, type Flow, type Verdict, type Decision } from "./engine/verdict.js";
export { DEFAULT_OPTIONS, type EngineOptions } from "./engine/options.js";
export type { Party } from "./engine/match.js";
export { resolveEndpoint } from "./engine/endpoints.js";
export { PairwiseConnectivity, type Connectivity } from "./engine/pairwise.js";
export { FastConnectivity, type FastStats } from "./engine/fast/connectivity.js";
export type { UpdateResult } from "./engine/fast/updates.js";
export { connectionList, type ConnEntry } from "./analyze/connlist.js";
export { generateCluster, type GenerateOptions } from "./generate/cluster.js";
