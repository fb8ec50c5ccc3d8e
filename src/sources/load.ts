// The composition of the sources layer: read inputs, split them into objects, dispatch each object
// to the front end of its kind, and finish the inventory.

import { Diagnostics } from "../model/source.js";
import type { Inventory } from "../model/inventory.js";
import { InventoryBuilder } from "./builder.js";
import { splitObjects, type RawObject } from "./documents.js";
import { Locator } from "./locate.js";
import { InputChangedError, readInputs, releaseText, type InputFile, type ReadOptions } from "./read.js";
import { addIngressRoutes } from "./ingress/lower.js";
import { pickIngressController } from "../model/nginx-controller.js";
import { interning } from "./intern.js";
import { Identities, identity, lower } from "./lowering.js";
import { CheckAhead, NotClean, checkAheadFromEnv, type CheckAheadOptions, type Optimism } from "./checkahead.js";
import { endPreread } from "./preread.js";
import { leaveUnsettled, mayLeaveUnsettled, safeLoadsOnly, settleLoad } from "./settle.js";

export { FRONT_ENDS } from "./lowering.js";

/** Texts this long (in characters) are released once parsed (read.ts releaseText). */
export const RELEASE_AT = 1 << 16;

export interface Loaded {
  inventory: Inventory;
  diagnostics: Diagnostics;
  locator: Locator;
  files: number;
  objects: number;
  /** The files read, to load them again (e.g. with converted objects swapped in). */
  inputs: readonly InputFile[];
  /** Files parsed on the check-ahead worker's clean verdict (checkahead.ts), by loadPaths. */
  checkedAhead?: number;
  /** Files whose bytes the pre-reader had read (preread.ts), by loadPaths. */
  preread?: number;
  /** What the optimistic load did (checkahead.ts CheckAhead.settle), by loadPaths when it was chosen. */
  optimism?: Optimism;
}

export interface LoadOptions {
  /** Objects to leave out, e.g. the policies a conversion replaces. */
  exclude?: (raw: RawObject) => boolean;
  /** Objects read elsewhere (a cluster), loaded after the files; `text` renders one for line lookups. */
  objects?: readonly RawObject[];
  text?: (raw: RawObject) => string;
  /** The check-ahead worker's verdicts on the files (checkahead.ts). */
  ahead?: CheckAhead;
  /** --ingress-controller: the ingress-nginx controller that answers for its classes (model/nginx-controller.ts pickIngressController). */
  ingressController?: string;
}

export interface LoadPathsOptions extends ReadOptions, Pick<LoadOptions, "objects" | "text" | "ingressController"> {
  /** The check-ahead worker (default: from JUNCTION_CHECK_AHEAD, else started on large JSON inputs). */
  checkAhead?: CheckAheadOptions;
  /** Where the diagnostics go, after those it holds (cli/cluster.ts loadSources: the cluster's). */
  diagnostics?: Diagnostics;
  /** A path without objects is no error (cli/cluster.ts loadSources). */
  mayBeEmpty?: boolean;
  /**
   * The optimistic load (checkahead.ts) is settled later, by settle.ts settleLoad, not before
   * loadPaths returns: the caller uses the result only for what it writes after settleLoad, and runs
   * again from the start when settleLoad throws LoadRedo (cli/settled.ts runSettled). Only when
   * settle.ts mayLeaveUnsettled. The check-ahead worker judges on meanwhile (while the engine is
   * built), and is ended by settleLoad.
   */
  settleLater?: boolean;
}

/**
 * Loads every path (file, folder, or "-" for stdin) into one inventory, and `objects` (a cluster's)
 * before them. The threads the launcher started for a large input (the pre-reader, the check-ahead
 * worker started early: src/cli/launch.ts startPrereadFor) are taken and ended here.
 */
export function loadPaths(paths: readonly string[], stdin?: (limit?: number) => string, options: LoadPathsOptions = {}): Loaded {
  const diags = options.diagnostics ?? new Diagnostics();
  // (A load left unsettled is settled first: its verdicts decide whether its command runs again.)
  settleLoad();
  const ahead = new CheckAhead({ ...(options.checkAhead ?? checkAheadFromEnv()), ...(safeLoadsOnly() ? { optimistic: false } : {}) });
  let later = false;
  try {
    const files = readInputs(paths, diags, stdin, { ...options, sink: ahead });
    ahead.allRead();
    const preread = endPreread();
    const load = (withAhead: boolean) => interning(() => loadOnce(files, diags, { ahead: withAhead ? ahead : undefined, objects: options.objects, text: options.text, ingressController: options.ingressController }));
    let loaded: Loaded;
    if (!ahead.optimistic) loaded = load(true);
    else if (options.settleLater && mayLeaveUnsettled()) {
      ahead.settlesLate = true;
      loaded = optimistically(ahead, diags, load, true);
      later = ahead.optimism === undefined;
    }
    else loaded = optimistically(ahead, diags, load);
    if (!diags.hasErrors && !options.mayBeEmpty) for (const p of paths) if (!loaded.objects || !files.some((f) => (f.root === p || f.roots?.includes(p)) && f.objects)) diags.error("input-empty", `no Kubernetes objects in ${p === "-" ? "stdin" : p}`);
    loaded.checkedAhead = ahead.clean;
    loaded.preread = preread;
    if (ahead.optimism) { loaded.optimism = ahead.optimism; markOptimism(ahead.optimism); }
    if (later) leaveUnsettled(() => settleLate(ahead, loaded));
    return loaded;
  } finally {
    endPreread();
    if (!later) ahead.close();
  }
}

/** A user timing mark for measurements (bench/e2e.ts, docs/performance.md): what the last optimistic load did, once settled. */
export const OPTIMISM_MARK = "junction:optimism";

function markOptimism(o: Optimism | undefined): void {
  performance.clearMarks(OPTIMISM_MARK);
  if (o) performance.mark(OPTIMISM_MARK, { detail: o });
}

/** Settles a load left unsettled (settle.ts settleLoad calls it): its verdicts, then the worker ended. */
function settleLate(ahead: CheckAhead, loaded: Loaded): boolean {
  let clean: boolean;
  try { clean = ahead.settle(); } finally { ahead.close(); }
  loaded.optimism = ahead.optimism;
  loaded.checkedAhead = ahead.clean;
  markOptimism(ahead.optimism);
  return clean;
}

/**
 * The optimistic load (checkahead.ts CheckAheadOptions.optimistic): every JSON file handed to the
 * check-ahead worker is parsed with JSON.parse alone and lowered as if judged clean, without waiting
 * for its verdict; then every verdict must be clean (settle), else (or when the unchecked load throws,
 * as a front end may on a value the checks refuse) the load is redone as the safe path loads: every
 * check on the main thread, the diagnostics of the first attempt dropped. So the inventory, every
 * diagnostic and its order never depend on the timing: a load on clean verdicts only is the load the
 * checks would make (they report nothing and change nothing), and anything else is that load.
 */
function optimistically(ahead: CheckAhead, diags: Diagnostics, load: (withAhead: boolean) => Loaded, later = false): Loaded {
  const before = diags.items.length;
  let loaded: Loaded | undefined, thrown: unknown;
  try { loaded = load(true); } catch (e) { loaded = undefined; thrown = e; }
  // (Settled later, by settleLoad: unless the unchecked load threw, or had a verdict not clean already.)
  if (loaded && (later || ahead.settle())) return loaded;
  // The unchecked load threw: the input's doing when a file it parsed unchecked is not clean (a front
  // end on a value the checks refuse, JSON.parse on a file the strict parser refuses); otherwise a bug
  // (of the optimistic path's, or one the safe path meets too): redone all the same, but not unseen.
  const unexpected = thrown !== undefined && !(thrown instanceof NotClean) && !(thrown instanceof InputChangedError) && ahead.settle();
  ahead.optimism ??= { assumed: 0, checkedHere: 0, judgedHere: 0, settleMs: 0, unknownAtEnd: 0, redone: true };
  ahead.optimism.redone = true;
  if (unexpected) {
    ahead.optimism.unexpected = thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
    if (process.env.JUNCTION_DEBUG) process.stderr.write(`junction: the optimistic load threw on clean files, loading again with every check: ${thrown instanceof Error ? thrown.stack : String(thrown)}\n`);
  }
  ahead.clean = 0;
  ahead.forget();
  diags.items.splice(before);
  // (Dropped before loading again: kept in this frame, the unchecked load's inventory stayed alive through the redo, two at once.)
  loaded = undefined;
  return load(false);
}

export function loadFiles(files: readonly InputFile[], diags = new Diagnostics(), options: LoadOptions = {}): Loaded {
  return interning(() => loadOnce(files, diags, options));
}

function loadOnce(files: readonly InputFile[], diags: Diagnostics, options: LoadOptions): Loaded {
  const before = diags.items.length;
  const streamed = loadInOrder(files, diags, options);
  if (streamed) return streamed;
  // An object defined twice: every definition must be seen before the last one is read.
  diags.items.splice(before);
  return loadAllAtOnce(files, diags, options);
}

/**
 * Reads each file's objects into the model as soon as the file is parsed, so that what JSON.parse
 * made dies young (at 100k pods, a fifth less CPU and a lower peak than parsing every file first).
 * The model's diagnostics go after every reading diagnostic, as loadAllAtOnce orders them. Undefined
 * when an object is defined twice (kubectl applies the last definition): the load starts again.
 */
function loadInOrder(files: readonly InputFile[], diags: Diagnostics, options: LoadOptions): Loaded | undefined {
  const lowered = new Diagnostics();
  const b = new InventoryBuilder(lowered);
  const seen = new Identities(b.inv.routing.objectKeys);
  let count = 0;
  const read = (raw: RawObject): boolean => {
    if (options.exclude?.(raw)) return true;
    if (!seen.add(raw)) return false;
    count++;
    lower(raw, b, lowered, seen.noted === raw);
    return true;
  };
  // A cluster's objects come first: a file's definition of the same object is applied over it.
  for (const raw of options.objects ?? []) if (!read(raw)) return undefined;
  for (const file of files) {
    const objects = splitObjects(file, diags, options.ahead?.take(file));
    file.objects = objects.length;
    releaseLarge(file);
    for (let i = 0; i < objects.length; i++) {
      const raw = objects[i];
      objects[i] = undefined as unknown as RawObject;
      if (!read(raw)) return undefined;
    }
  }
  return finishLoad(files, diags, b, options, count, lowered);
}

/** Parses every file first, then reads the last definition of each object into the model. */
function loadAllAtOnce(files: readonly InputFile[], diags: Diagnostics, options: LoadOptions): Loaded {
  const b = new InventoryBuilder(diags);
  const raws: RawObject[] = (options.objects ?? []).filter((raw) => !options.exclude?.(raw));
  for (const file of files) {
    const objects = splitObjects(file, diags, options.ahead?.take(file));
    file.objects = objects.length;
    for (const raw of objects) if (!options.exclude?.(raw)) raws.push(raw);
    releaseLarge(file);
  }
  const count = raws.length, winners = lastDefinitions(raws, diags);
  raws.length = 0;
  for (let i = 0; i < winners.length; i++) {
    const raw = winners[i];
    // Let go of each parsed object once read: the model grows while what it is read from shrinks.
    winners[i] = undefined as unknown as RawObject;
    lower(raw, b, diags);
  }
  return finishLoad(files, diags, b, options, count);
}

/** A large file's text is read again if asked for (values do not keep it: JSON.parse copies, blockyaml.ts detaches). */
function releaseLarge(file: InputFile): void {
  if (file.text.length >= RELEASE_AT) releaseText(file);
}

function finishLoad(files: readonly InputFile[], diags: Diagnostics, b: InventoryBuilder, options: LoadOptions, count: number, lowered?: Diagnostics): Loaded {
  const locator = new Locator(files);
  const text = options.text;
  if (text) for (const raw of options.objects ?? []) locator.addLazy(raw.ref.file, () => text(raw));
  const inventory = b.finish();
  if (lowered) for (const d of lowered.items) diags.add(d);
  const unpicked = options.ingressController !== undefined ? pickIngressController(inventory, options.ingressController) : undefined;
  if (unpicked) diags.error("ingress-controller", unpicked);
  addIngressRoutes(inventory);
  locator.resolve(diags.items);
  return { inventory, diagnostics: diags, locator, files: files.length, objects: count, inputs: files };
}

/**
 * The same object twice (e.g. a manifest and a cluster dump): `kubectl apply -f` applies the
 * inputs in order, so the cluster runs the last definition. The earlier ones are dropped, with a warning.
 */
function lastDefinitions(raws: RawObject[], diags: Diagnostics): RawObject[] {
  const last = new Map<string, number>();
  const keys = raws.map((raw, i) => { const k = identity(raw); if (k) last.set(k, i); return k; });
  return raws.filter((raw, i) => {
    const k = keys[i];
    if (k === undefined || last.get(k) === i) return true;
    const winner = raws[last.get(k)!];
    diags.warn("duplicate", `${raw.kind} ${k.split("/").slice(1).filter(Boolean).join("/")} is defined again in ${winner.ref.file}; the last definition is used, as kubectl apply -f applies files in order`, raw.ref);
    return false;
  });
}

