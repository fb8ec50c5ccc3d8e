// How a backend's endpoints are described in an answer's explanation.

import type { ResolvedBackend } from "./backends.js";

const SHOWN = 8;

export function endpointsOutcome(b: ResolvedBackend): string {
  const e = b.endpoints!;
  const port = b.servicePort ? ` port ${b.servicePort.port}` : "";
  if (e.from === "unknown") return `Service ${b.name}${port}: endpoints not in the input (${e.note})`;
  const ready = e.endpoints.filter((x) => x.ready);
  const shown = ready.slice(0, SHOWN).map((x) => `${x.address ?? `pod ${x.pod?.name}`}:${x.port}`).join(", ");
  return `Service ${b.name}${port}: ${ready.length} ready endpoint${ready.length === 1 ? "" : "s"} from ${e.note}${shown ? ` (${shown}${ready.length > SHOWN ? ", ..." : ""})` : ""}`;
}
