// The machine a benchmark ran on, stated with every table.

import { cpus, freemem, loadavg, totalmem, platform, arch } from "node:os";

export function machine(): string {
  const c = cpus();
  const model = c[0]?.model.replace(/\s+/g, " ").trim() ?? "unknown CPU";
  const gib = (b: number) => (b / 1024 ** 3).toFixed(1);
  const load = loadavg().map((x) => x.toFixed(1)).join(" ");
  return `${c.length} cores (${model}), ${gib(totalmem())} GiB memory (${gib(freemem())} GiB free), Node ${process.version}, ${platform()} ${arch()}; load average at start ${load}`;
}
