// Go's duration syntax (time.ParseDuration: "1s", "300ms", "1m30s", "1.5h"), as the Kubernetes `duration`
// format and Linkerd's K8sDuration (policy-controller/k8s/api/src/duration.rs) read it.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration in ms ("0" is zero), or undefined when it is not one. */
export function goDuration(s: string | undefined): number | undefined {
  if (s === "0") return 0;
  if (s === undefined || !/^(\d+(\.\d+)?(ns|us|µs|μs|ms|s|m|h))+$/.test(s)) return undefined;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return ms;
}
