// One real CLI run (the code bin/junction.js runs), reporting its peak memory and CPU time when it
// exits. Usage: node e2e.js STATSFILE junction-args...

import { writeFileSync } from "node:fs";

const [stats, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], "junction", ...args];
process.on("exit", () => {
  const u = process.resourceUsage();
  writeFileSync(stats, JSON.stringify({ maxRSS: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, exitCode: process.exitCode ?? 0 }));
});
await import("../src/cli/main.js");
