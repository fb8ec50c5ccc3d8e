// A cluster as an input: every served kind listed (paginated), kept in a store of raw objects, and
// watched from the list's resourceVersion. A watch that fails with 410 Gone is replaced by a new
// list whose differences from the store are reported as changes; a dropped watch resumes from the
// last resourceVersion seen (bookmarks included). Objects carry a source reference
// cluster:CONTEXT/KIND/NAMESPACE/NAME, as a file's carry its name.

import type { RawObject } from "../documents.js";
import { ApiClient, ClusterError, listIn, serverSaid, type ClusterOptions, type WatchEvent } from "./client.js";
import { collectionPath, discover, type ServedKind } from "./discovery.js";
import { groupOf, kindName, readRule, type KindRef } from "./kinds.js";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export interface ObjectChange { type: ChangeType; object: RawObject; old?: RawObject }

/** `trouble`: why its watch is failing (its objects are as of its last event); `told`: the trouble reported. */
interface Scope { kind: ServedKind; namespace?: string; rv?: string; stop?: () => void; trouble?: string; told?: string }

/**
 * A kind the cluster may hold objects of that could not be read (forbidden to list, or its API
 * group's discovery failed). Answers without it would read the cluster as having none of them, so
 * the loader reports it (an error, or for Secrets and ConfigMaps a warning; cli/cluster.ts).
 */
export interface UnreadKind { kind: string; name: string; why: string; grant?: { apiGroups: string[]; resources: string[]; verbs: string[] } }

const PAGE = 500;
/** Lists run side by side (each is a request at a time: pages follow each other). */
const LISTS_AT_ONCE = 8;

export class LiveCluster {
  readonly notes: string[] = [];
  /** Kinds that may have objects but could not be read: never absent (see UnreadKind). */
  readonly unread: UnreadKind[] = [];
  private readonly store = new Map<string, RawObject>();
  private scopes: Scope[] = [];
  private closed = false;
  private listener: (changes: ObjectChange[]) => void = () => {};
  private trouble: (message: string) => void = () => {};

  private constructor(readonly client: ApiClient, private readonly namespaces: string[]) {}

  get context(): string { return this.client.context; }

  /** Connects, discovers and lists everything (the initial snapshot). */
  static async open(o: ClusterOptions): Promise<LiveCluster> {
    const c = new LiveCluster(await ApiClient.connect(o), o.namespaces);
    const d = await discover(c.client);
    if (d.missing.length) c.notes.push(`not served by the cluster (CRD not installed), skipped: ${describe(d.missing)}; the answers are those of a cluster without them, as no such object can exist until its CRD is installed`);
    for (const f of d.failed) c.unread.push({ kind: f.ref.kind, name: kindName(f.ref), why: f.why });
    for (const kind of d.served) {
      const namespaces = kind.ref.namespaced && o.namespaces.length ? o.namespaces : [undefined];
      for (const namespace of namespaces) c.scopes.push({ kind, namespace });
    }
    await inParallel([...c.scopes], LISTS_AT_ONCE, (s) => c.listScope(s, true));
    return c;
  }

  objects(): RawObject[] { return [...this.store.values()]; }

  /**
   * Starts the watches; changes arrive in batches (a re-list's differences come as one batch). A
   * watch that fails (a broken stream, an error status) is resumed; `trouble` hears why, once per
   * kind until one of its watches delivers again.
   */
  watch(listener: (changes: ObjectChange[]) => void, trouble: (message: string) => void = () => {}): void {
    this.listener = listener;
    this.trouble = trouble;
    for (const s of this.scopes) void this.watchLoop(s);
  }

  close(): void {
    this.closed = true;
    for (const s of this.scopes) s.stop?.();
  }

  /** Lists one scope; on the first list a forbidden kind is reported (once) and left out. */
  private async listScope(s: Scope, first: boolean): Promise<RawObject[] | undefined> {
    const items: RawObject[] = [];
    let cont: string | undefined;
    for (;;) {
      const r = await this.client.get(collectionPath(s.kind, s.namespace), { limit: String(PAGE), continue: cont });
      // The continue token expired (410 Expired): list again from the first page, as client-go's
      // pager does (FullListIfExpired). (A `continue` here in a do-while ended the list with no items.)
      if (r.status === 410 && cont) { items.length = 0; cont = undefined; continue; }
      if (r.status === 403 || r.status === 404) { if (first) this.drop(s, r.status, r.body?.message); return undefined; }
      if (r.status !== 200) throw new ClusterError(`listing ${s.kind.resource}: the API server answered ${r.status}${serverSaid(r.body?.message)}`);
      for (const item of listIn(r.body, "items", collectionPath(s.kind, s.namespace))) {
        if (typeof item !== "object" || item === null || Array.isArray(item)) throw new ClusterError(`listing ${s.kind.resource}: an item of the API server's answer is not an object`);
        items.push(this.raw(s.kind, item as Record<string, unknown>));
      }
      const next = r.body?.metadata?.continue;
      if (next !== undefined && next !== null && next !== "" && (typeof next !== "string" || next === cont)) throw new ClusterError(`listing ${s.kind.resource}: the API server's answer has a continue token ${typeof next === "string" ? "equal to the one asked with (the list would never end)" : "that is not a string"}`);
      cont = next || undefined;
      s.rv = r.body?.metadata?.resourceVersion;
      if (!cont) break;
    }
    if (first) for (const o of items) this.store.set(keyOf(o), o);
    return items;
  }

  /**
   * A scope that cannot be listed: forbidden (403) is unread, never empty; not found (404: a CRD
   * removed since discovery) holds nothing, a note says so.
   */
  private drop(s: Scope, status: number, message: unknown): void {
    this.scopes = this.scopes.filter((x) => x !== s);
    const k = s.kind, group = groupOf(k.apiVersion), name = `${k.resource}${group ? `.${group}` : ""}`;
    if (status === 403) {
      const where = s.namespace === undefined ? "" : ` in namespace ${s.namespace}`;
      const known = this.unread.find((u) => u.kind === k.ref.kind && u.name === name);
      if (known) { if (where && !known.why.includes(where)) known.why += `;${where}`; return; }
      const why = `forbidden${where}${serverSaid(message)}`;
      this.unread.push({ kind: k.ref.kind, name, why, grant: readRule(group, k.resource) });
      return;
    }
    if (!this.notes.some((n) => n.includes(`cannot list ${k.ref.kind} (${k.resource}`))) this.notes.push(`cannot list ${k.ref.kind} (${k.resource}): not found (no longer served); read as having none`);
  }

  /** The kinds whose watch is failing (their objects are as they were when it last delivered), with why. */
  stale(): string[] {
    return this.scopes.filter((s) => s.trouble !== undefined).map((s) => `${s.kind.resource}${s.namespace ? ` in ${s.namespace}` : ""}: ${s.trouble}`);
  }

  private async watchLoop(s: Scope): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const outcome = await this.watchOnce(s, failures);
      if (this.closed) return;
      if (outcome === "gone") { await this.relist(s); failures = 0; continue; }
      failures = outcome === "ended" ? 0 : failures + 1;
      await delay(backoff(failures));
    }
  }

  /** One watch request: resolves when it ends ("ended"), fails ("error"), or the resourceVersion is too old ("gone"). */
  private watchOnce(s: Scope, failures: number): Promise<"ended" | "error" | "gone"> {
    return new Promise((resolve) => {
      let gone = false;
      const onEvent = (e: WatchEvent) => {
        if (e.type === "ERROR") { if (e.object?.code === 410) { gone = true; s.stop?.(); } return; }
        const rv = e.object?.metadata?.resourceVersion;
        if (rv) s.rv = rv;
        if (e.type === "BOOKMARK") return;
        const change = this.apply(s.kind, e.type as ChangeType, e.object);
        if (change) this.listener([change]);
      };
      const done = (err: unknown) => {
        const outcome = gone || (err as { statusCode?: number })?.statusCode === 410 ? "gone" : err ? "error" : "ended";
        if (outcome === "error" && !this.closed) this.report(s, err, failures + 1);
        resolve(outcome);
      };
      const opened = () => {
        const told = s.told;
        s.trouble = s.told = undefined;
        if (told !== undefined) this.trouble(`the watch of ${s.kind.resource}${s.namespace ? ` in ${s.namespace}` : ""} resumed from resourceVersion ${s.rv ?? "0"}`);
      };
      this.client.watch(collectionPath(s.kind, s.namespace), { resourceVersion: s.rv, allowWatchBookmarks: "true" }, onEvent, done, opened)
        .then((w) => { s.stop = () => w.abort(); if (this.closed) w.abort(); }, (err) => resolve(err?.statusCode === 410 ? "gone" : "error"));
    });
  }

  /**
   * Says why a watch failed, once per kind until it is open again (then "resumed"); answers meanwhile
   * are those of its last event. A broken connection is said only if the first retry fails too (a
   * load balancer or an API server restart breaks every watch, and they resume at once).
   */
  private report(s: Scope, err: unknown, failures = 1): void {
    const why = err instanceof Error ? err.message : String(err);
    s.trouble = why;
    if (s.told === why || ((err as { transient?: boolean })?.transient === true && failures < 2)) return;
    s.told = why;
    this.trouble(`the watch of ${s.kind.resource}${s.namespace ? ` in ${s.namespace}` : ""} failed (${why}); retrying in ${backoff(failures) / 1000} s, then at most every ${MAX_BACKOFF_MS / 1000} s, to resume from resourceVersion ${s.rv ?? "0"}; until then its changes are not seen`);
  }

  /** Lists the scope again and reports what differs from the store. */
  private async relist(s: Scope): Promise<void> {
    let items: RawObject[] | undefined;
    try { items = await this.listScope(s, false); } catch (e) { if (!this.closed) this.report(s, e); await delay(1000); return; }
    if (!items) return;
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    const changes: ObjectChange[] = [];
    for (const [key, old] of this.store) {
      if (!inScope(old, s) || fresh.has(key)) continue;
      this.store.delete(key);
      changes.push({ type: "DELETED", object: old, old });
    }
    for (const [key, o] of fresh) {
      const old = this.store.get(key);
      if (old && rvOf(old) === rvOf(o)) continue;
      this.store.set(key, o);
      changes.push({ type: old ? "MODIFIED" : "ADDED", object: o, old });
    }
    if (changes.length) this.listener(changes);
  }

  private apply(kind: ServedKind, type: ChangeType, obj: unknown): ObjectChange | undefined {
    // (An event that is no object of the watched kind with a name, which no API server sends, changes nothing.)
    if (!["ADDED", "MODIFIED", "DELETED"].includes(type) || typeof obj !== "object" || obj === null || Array.isArray(obj)) return undefined;
    const { kind: k, apiVersion: v, metadata: m } = obj as { kind?: unknown; apiVersion?: unknown; metadata?: { name?: unknown } };
    if ((k !== undefined && k !== kind.ref.kind) || (v !== undefined && v !== kind.apiVersion) || typeof m !== "object" || m === null || typeof m.name !== "string") return undefined;
    const o = this.raw(kind, obj as Record<string, unknown>);
    const key = keyOf(o), old = this.store.get(key);
    if (type === "DELETED") { if (!old) return undefined; this.store.delete(key); return { type, object: o, old }; }
    if (old && rvOf(old) === rvOf(o)) return undefined;
    this.store.set(key, o);
    return { type: old ? "MODIFIED" : "ADDED", object: o, old };
  }

  /** A listed or watched object as the front ends read it: apiVersion and kind set (list items omit them), managedFields left out. */
  private raw(kind: ServedKind, item: Record<string, unknown>): RawObject {
    // (Metadata that is not an object is left as it is, for the front end to refuse.)
    const given = item.metadata;
    const md = typeof given === "object" && given !== null && !Array.isArray(given) ? { ...(given as Record<string, unknown>) } : given === undefined ? {} : given as Record<string, unknown>;
    delete md.managedFields;
    const obj = { apiVersion: kind.apiVersion, kind: kind.ref.kind, ...item, metadata: md };
    obj.apiVersion = kind.apiVersion; obj.kind = kind.ref.kind;
    const ns = typeof md.namespace === "string" ? `${md.namespace}/` : "";
    return { apiVersion: kind.apiVersion, kind: kind.ref.kind, obj, ref: { file: `cluster:${this.context}/${kind.ref.kind}/${ns}${String(md.name)}`, doc: 0, path: [] } };
  }
}

/** A watch is retried after 0.2, 0.4, 0.8 ... s, at most every 5 s (client-go's reflector backs off from 0.8 s to 30 s). */
const MAX_BACKOFF_MS = 5000;
function backoff(failures: number): number {
  return Math.min(100 * 2 ** failures, MAX_BACKOFF_MS);
}

function describe(kinds: readonly KindRef[]): string {
  return kinds.map(kindName).join(", ");
}

async function inParallel<T>(items: T[], width: number, run: (item: T) => Promise<unknown>): Promise<void> {
  const next = async (): Promise<void> => { const item = items.shift(); if (item === undefined) return; await run(item); return next(); };
  await Promise.all(Array.from({ length: width }, next));
}

function keyOf(o: RawObject): string {
  const md = o.obj.metadata as { namespace?: string; name?: string };
  return `${o.kind}.${o.apiVersion.split("/")[0]}/${md.namespace ?? ""}/${md.name}`;
}

function inScope(o: RawObject, s: Scope): boolean {
  return o.kind === s.kind.ref.kind && o.apiVersion === s.kind.apiVersion && (s.namespace === undefined || (o.obj.metadata as { namespace?: string }).namespace === s.namespace);
}

function rvOf(o: RawObject): unknown { return (o.obj.metadata as { resourceVersion?: string }).resourceVersion; }

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
