// Which kinds a policy translation (compile, convert policy) replaces.

/** Kinds lowered into model policies (Kubernetes, common API, Calico, Cilium). */
export const POLICY_KINDS: ReadonlySet<string> = new Set([
  "NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy", "TrafficPolicy",
  "GlobalNetworkPolicy", "Tier", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy",
]);

/** Vendor kinds that become common-API Workloads and Networks. */
export const VENDOR_INVENTORY_KINDS: ReadonlySet<string> = new Set(["HostEndpoint", "NetworkSet", "GlobalNetworkSet"]);
