// Bundles the CLI's modules (what tsc wrote to dist/src) into dist/src/bundle with esbuild, so that a
// command loads a few large modules instead of about 330 small ones: Node's ES module loader reads
// each module with its own asynchronous open, fstat, read and close, resolves each specifier and
// compiles each module apart, which was most of a command's start (docs/performance.md, "Start-up").
// The sources and dist/src stay as they are (tests and library users import them); bin/junction.js
// and bench/e2e.ts run the bundle when it is at least as new as dist/src (src/cli/entry.ts).
//
// - Entries: the CLI (cli/main.js), the launcher (cli/launch.js: it starts the pre-reader, whose
//   module read.js shares, one instance in the bundle) and the two worker threads' scripts. Each
//   module a dynamic import loads (a command's module, the pre-reader) stays a module of its own
//   (esbuild's splitting); each command's module (cli/commands, cli/version.js) is an entry of its
//   own, named as its source file (bundle/list.js), so a command still loads its own code only.
// - Packages (node_modules) and the precompiled validators (.cjs) are not bundled: they are loaded
//   as before, when first used.
// - Every output is written to the one folder dist/src/bundle, so `import.meta.url` of a module is
//   rewritten to the URL of its file in dist/src, relative to that folder (paths to schemas, the
//   validators, the UI, and createRequire's resolution stay those of the source file), except
//   `new URL("./NAME.js", import.meta.url)` naming a bundled entry (the worker threads' scripts),
//   which then loads the bundled one.
// - Packages a module loads with `require` when first used (PACKAGES) are bundled too, each group
//   into one CommonJS file of dist/src/bundle/packages, and the bundled modules' `require("NAME")` of
//   them rewritten to `require(FILE)[KEY]`: Node's CommonJS loader resolves, reads and compiles each
//   module of a package apart (@bufbuild/cel with @bufbuild/protobuf: 127 modules, 185-250 ms of CPU
//   to load, which a load of AdminNetworkPolicies pays on its main thread; one file: 100-140 ms). The
//   names of a group share their modules (@bufbuild/cel's ext and its core: one @bufbuild/protobuf).

import { build } from "esbuild";
import { readFileSync, readdirSync } from "node:fs";
import { basename, dirname, relative, resolve } from "node:path";
import { createRequire } from "node:module";

const SRC = resolve("dist/src");
const OUT = resolve("dist/src/bundle");
const COMMANDS = readdirSync(`${SRC}/cli/commands`).filter((f) => f.endsWith(".js")).map((f) => `cli/commands/${f}`);
const ENTRIES = ["cli/main.js", "cli/launch.js", "cli/version.js", ...COMMANDS, "sources/checkahead-thread.js", "sources/preread-thread.js"];
const BUNDLED = new Set(ENTRIES.map((e) => basename(e)));

/** The packages bundled apart: file of dist/src/bundle/packages -> { package name as required: its key in the file's exports }. */
const PACKAGES = {
  "cel.cjs": { "@bufbuild/cel": "cel", "@bufbuild/cel/ext": "ext" },
  "yaml.cjs": { yaml: "yaml" },
};
const PACKAGE_OF = new Map(Object.entries(PACKAGES).flatMap(([file, names]) => Object.entries(names).map(([name, key]) => [name, { file, key }])));
/** Each package name's `require` rewritten (a name never rewritten means the table is stale: the build fails). */
const rewritten = new Set();

/** `require("NAME")` (a createRequire function named require, or called at once) of a package of PACKAGES, as its file's export. */
function packageRequires(text, file) {
  return text.replace(/\b(require|createRequire\(import\.meta\.url\))\("([^"]+)"\)/g, (m, call, name) => {
    const p = PACKAGE_OF.get(name);
    if (!p) return m;
    rewritten.add(name);
    const path = relative(dirname(file), `${OUT}/packages/${p.file}`);
    return `${call}(${JSON.stringify(path.startsWith(".") ? path : `./${path}`)})[${JSON.stringify(p.key)}]`;
  });
}

/** import.meta.url of a module of dist/src, as the same URL from the bundle's folder. */
const metaUrl = {
  name: "import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(SRC + "/")) return undefined;
      const text = packageRequires(readFileSync(args.path, "utf8"), args.path);
      if (!text.includes("import.meta")) return { contents: text, loader: "js", resolveDir: dirname(args.path) };
      const own = JSON.stringify(relative(OUT, args.path));
      const contents = text.replace(/new URL\("\.\/([\w.-]+\.js)", import\.meta\.url\)|import\.meta\.url/g, (m, name) =>
        name && BUNDLED.has(name) ? m : m.replace("import.meta.url", `new URL(${own}, import.meta.url).href`));
      if (/import\.meta\.(?!url)/.test(contents)) throw new Error(`${args.path}: import.meta other than import.meta.url cannot be bundled`);
      return { contents, loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

await build({
  entryPoints: ENTRIES.map((e) => `${SRC}/${e}`),
  bundle: true, splitting: true, format: "esm", platform: "node", target: "node20",
  outdir: OUT, entryNames: "[name]", chunkNames: "chunk-[hash]",
  packages: "external", external: ["*.cjs"],
  plugins: [metaUrl], logLevel: "warning",
});

const require = createRequire(`${SRC}/cli/main.js`);
for (const [file, names] of Object.entries(PACKAGES)) {
  for (const name of Object.keys(names)) if (!rewritten.has(name)) throw new Error(`bundle-cli: no module requires ${name} (PACKAGES is stale)`);
  await build({
    stdin: { contents: Object.entries(names).map(([name, key]) => `exports[${JSON.stringify(key)}] = require(${JSON.stringify(require.resolve(name))});`).join("\n"), loader: "js", resolveDir: SRC },
    bundle: true, format: "cjs", platform: "node", target: "node20", outfile: `${OUT}/packages/${file}`, logLevel: "warning",
  });
}
