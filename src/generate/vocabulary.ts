// The words a synthetic cluster is made of: namespace and application names, roles and the
// ports each role serves, as they commonly appear in real clusters.

export const NAMESPACE_BASES = [
  "payments", "checkout", "catalog", "search", "identity", "billing", "shipping", "inventory",
  "recommendations", "notifications", "analytics", "ads", "cart", "storefront", "orders", "reviews",
  "auth", "media", "reporting", "pricing", "loyalty", "support", "fraud", "ledger",
];
export const ENVIRONMENTS = ["prod", "staging", "dev"];
export const TEAMS = ["core", "commerce", "growth", "platform", "data", "risk"];

export type Role = "frontend" | "api" | "worker" | "db" | "cache" | "queue";

export interface AppKind {
  name: string;
  role: Role;
}

export const APPS: AppKind[] = [
  { name: "frontend", role: "frontend" }, { name: "web", role: "frontend" }, { name: "gateway", role: "frontend" },
  { name: "api", role: "api" }, { name: "backend", role: "api" }, { name: "grpc-server", role: "api" },
  { name: "auth-service", role: "api" }, { name: "profile", role: "api" }, { name: "pricing-engine", role: "api" },
  { name: "search-indexer", role: "worker" }, { name: "worker", role: "worker" }, { name: "scheduler", role: "worker" },
  { name: "mailer", role: "worker" }, { name: "exporter", role: "worker" }, { name: "consumer", role: "worker" },
  { name: "postgres", role: "db" }, { name: "mysql", role: "db" }, { name: "mongodb", role: "db" },
  { name: "redis", role: "cache" }, { name: "memcached", role: "cache" },
  { name: "rabbitmq", role: "queue" }, { name: "kafka", role: "queue" },
];

export interface ContainerPort { name: string; containerPort: number; protocol?: "UDP" }

export const ROLE_PORTS: Record<Role, ContainerPort[]> = {
  frontend: [{ name: "http", containerPort: 8080 }, { name: "https", containerPort: 8443 }, { name: "metrics", containerPort: 9090 }],
  api: [{ name: "http", containerPort: 8080 }, { name: "grpc", containerPort: 9000 }, { name: "metrics", containerPort: 9090 }],
  worker: [{ name: "metrics", containerPort: 9090 }],
  db: [{ name: "db", containerPort: 5432 }, { name: "metrics", containerPort: 9187 }],
  cache: [{ name: "redis", containerPort: 6379 }, { name: "metrics", containerPort: 9121 }],
  queue: [{ name: "amqp", containerPort: 5672 }, { name: "kafka", containerPort: 9092 }, { name: "metrics", containerPort: 9419 }],
};

/** Who usually calls a role. */
export const CALLERS: Record<Role, Role[]> = {
  frontend: [],
  api: ["frontend", "api", "worker"],
  worker: [],
  db: ["api", "worker"],
  cache: ["api", "frontend", "worker"],
  queue: ["api", "worker"],
};

export const TIER_OF: Record<Role, string> = { frontend: "web", api: "backend", worker: "backend", db: "data", cache: "data", queue: "data" };

/** Replica counts, skewed towards small deployments as in real clusters. */
export const REPLICAS = [1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 6, 8, 10, 12];
