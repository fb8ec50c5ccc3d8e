// Entry point of the lab's echo process: `node echo-main.js CONFIG`, started by the lab's helper
// with the listening sockets open (their fds in JX_FDS, in the order of the config's sockets).
// It stops when CONFIG is removed (the lab went down) or on SIGTERM.

import { existsSync, readFileSync } from "node:fs";
import { serveEcho, type EchoConfig } from "./echo.js";

const path = process.argv[2];
const cfg = JSON.parse(readFileSync(path, "utf8")) as EchoConfig;
const fds = (process.env.JX_FDS ?? "").split(",").filter(Boolean).map(Number);
if (fds.length !== cfg.sockets.length) {
  process.stderr.write(`echo: ${fds.length} sockets passed for ${cfg.sockets.length} configured\n`);
  process.exit(2);
}
serveEcho(cfg, fds);
process.stdout.write(`ready ${fds.length} sockets\n`);
setInterval(() => { if (!existsSync(path)) process.exit(0); }, 2000).unref();
process.on("SIGTERM", () => process.exit(0));
// Keep running: the servers hold the event loop.
