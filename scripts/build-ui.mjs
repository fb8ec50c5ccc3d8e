// Bundles the web UI (ui/) into dist/ui with esbuild: one script with Cytoscape.js and the dagre
// layout inside (no CDN: the UI works without internet), the page and its stylesheet.

import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("dist/ui", { recursive: true });
await build({
  entryPoints: ["ui/main.ts"], bundle: true, minify: true, format: "iife", target: "es2020",
  outfile: "dist/ui/app.js", legalComments: "linked", logLevel: "warning",
});
for (const f of ["index.html", "style.css"]) copyFileSync(`ui/${f}`, `dist/ui/${f}`);
