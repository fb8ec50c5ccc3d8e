// The upstream NetworkPolicy e2e model (the cluster the Kubernetes NetworkPolicy e2e tests build): namespaces x, y, z with pods a, b, c each, labelled
// ns=<namespace> and pod=<name>, serving 80 and 81 on TCP, UDP and SCTP under named ports
// serve-<port>-<proto>. Pod IPs are 10.0.<namespace index>.<pod index> (x=1, a=1).

const NAMESPACES = ["x", "y", "z"];
const PODS = ["a", "b", "c"];
const PORTS = [80, 81];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];

export function e2eModel(): string {
  const docs: string[] = [];
  NAMESPACES.forEach((ns, i) => {
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: '${ns}'\n  labels: {ns: '${ns}'}`);
    PODS.forEach((pod, j) => {
      const ports = PORTS.flatMap((p) => PROTOCOLS.map((proto) => `      - {name: serve-${p}-${proto.toLowerCase()}, containerPort: ${p}, protocol: ${proto}}`));
      docs.push([
        "apiVersion: v1", "kind: Pod", "metadata:", `  name: ${pod}`, `  namespace: '${ns}'`, `  labels: {ns: '${ns}', pod: ${pod}}`,
        "spec:", "  containers:", "  - name: c", "    image: agnhost", "    ports:", ...ports,
        "status:", `  podIP: 10.0.${i + 1}.${j + 1}`,
      ].join("\n"));
    });
  });
  return docs.join("\n---\n") + "\n";
}

/** Every pod of the model, as NAMESPACE/NAME. */
export const E2E_PODS = NAMESPACES.flatMap((ns) => PODS.map((p) => `${ns}/${p}`));

/** The model plus extra YAML documents (policies). */
export function withPolicies(...yaml: string[]): string {
  return [e2eModel(), ...yaml].join("\n---\n");
}

