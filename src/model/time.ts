// Timestamps as Kubernetes and history files write them: RFC 3339 (metav1.Time, read by Go's
// time.Parse(time.RFC3339): seconds required, an optional fraction, `Z` or an offset ±hh:mm, each
// field in its range) and, loosely, ISO 8601 (seconds optional, an offset without its colon, any case).

/** The latest time a JavaScript Date holds (ms since the epoch): 275760-09-13. */
export const MAX_TIME = 8.64e15;

const STRICT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
const LOOSE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):?(\d{2}))$/i;

/** The days of a month of the Gregorian calendar. */
function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * An RFC 3339 timestamp → ms since the epoch; undefined when it is not one, a field is out of its range
 * (Date.parse rolls an impossible day over, 2026-02-30 to March 2; Go's time.Parse refuses it). A
 * four-digit year is always within what a Date holds (MAX_TIME). `loose`: the ISO 8601 forms history
 * files also take.
 */
export function parseRfc3339(text: string, loose = false): number | undefined {
  const m = (loose ? LOOSE : STRICT).exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59) return undefined;
  if ((m[6] !== undefined && Number(m[6]) > 59) || (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59))) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Junction's one rule for the creation order of the objects of the input, in every implementation's
 * route and config order (docs/routing.md "Objects without creationTimestamp"): two creation times
 * (ms since the epoch, parseRfc3339) compared as times, older first; never as the text they were
 * written in, whose order is not the time's ("…:00.5Z" after "…:00Z" but "…:00+01:00" before both).
 * An object without one is an object not yet applied: applying it gives it a creation time now,
 * after every object that has one (so it is the newest, whatever Go's zero time.Time or Rust's None
 * would say of a missing field); two without one tie (0) here: objects of the Gateway API's shape
 * are then taken in input order (model/route.ts compareAge: the order kubectl apply creates them in;
 * the GAMMA routes an Istio proxy reads too, mesh/engine.ts pilotConfigOrder), Istio's own configs
 * (Sidecars, ServiceEntries) by pilot's own tie-break. When that decides a conflict, say so (untimedTie).
 */
export function compareCreated(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined || b === undefined) return a === undefined ? 1 : -1;
  return a < b ? -1 : 1;
}

/**
 * When neither of two objects has a creationTimestamp and the order between them decided something
 * (compareCreated tied, `first` went first): a note for the answer, as the real order depends on when
 * they are applied. `inputOrder`: the input's order decided (model/route.ts compareAge: the order
 * `kubectl apply -f` creates them in), else the implementation's `tieBreak` did. Undefined when either
 * has a timestamp.
 */
export function untimedTie(first: { created?: number; label: string }, second: { created?: number; label: string }, tieBreak: string, inputOrder = false): string | undefined {
  if (first.created !== undefined || second.created !== undefined) return undefined;
  return inputOrder
    ? `neither ${first.label} nor ${second.label} has a creationTimestamp: ${first.label} comes first in the input, the order kubectl apply creates them in; applied within one second they would tie and ${tieBreak} would decide`
    : `neither ${first.label} nor ${second.label} has a creationTimestamp: applied together they get the same second, and ${tieBreak} puts ${first.label} first; applied apart, the one applied first would be`;
}
