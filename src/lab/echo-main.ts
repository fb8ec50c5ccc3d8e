// Entry point of the lab's echo process: `ip netns exec ECHO node echo-main.js CONFIG`. It prints
// "ready" once every socket listens, and stops when CONFIG is removed (the lab went down) or on SIGTERM.

import { existsSync, readFileSync } from "node:fs";
import { serveEcho, type EchoConfig } from "./echo.js";

const path = process.argv[2];
const cfg = JSON.parse(readFileSync(path, "utf8")) as EchoConfig;
serveEcho(cfg, () => process.stdout.write(`ready ${cfg.sockets.length} sockets\n`));
setInterval(() => { if (!existsSync(path)) process.exit(0); }, 1000).unref();
process.on("SIGTERM", () => process.exit(0));
