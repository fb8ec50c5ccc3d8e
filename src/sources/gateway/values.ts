// Readers for the value types the Gateway API shares across kinds (hostnames, names, groups,
// kinds, durations), with the patterns and limits of its CRD schemas.

import { goDuration } from "../../model/duration.js";
import type { Field } from "../fields.js";
import { dnsLabelError, readCreated } from "../k8s.js";

export const GATEWAY_API_VERSIONS = {
  v1: "gateway.networking.k8s.io/v1",
  v1beta1: "gateway.networking.k8s.io/v1beta1",
  v1alpha2: "gateway.networking.k8s.io/v1alpha2",
  v1alpha3: "gateway.networking.k8s.io/v1alpha3",
} as const;

const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PRECISE_HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const SECTION_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KIND = /^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const GROUP = /^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DURATION = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;

function checked(f: Field, required: boolean, test: (s: string) => string | undefined): string | undefined {
  const s = f.string({ required });
  if (s === undefined) return undefined;
  const err = test(s);
  return err ? f.error("invalid-value", err) : s;
}

/** A listener or route hostname: an exact DNS name or a "*." wildcard, never an IP address. */
export function readHostname(f: Field, required = false): string | undefined {
  return checked(f, required, (s) => s.length > 253 ? `${JSON.stringify(s)} is longer than 253 characters`
    : !HOSTNAME.test(s) ? `${JSON.stringify(s)} is not a valid hostname (lowercase DNS name, optionally starting with "*.")`
    : IPV4.test(s) ? `${JSON.stringify(s)}: IP addresses are not allowed as hostnames` : undefined);
}

/** A hostname without wildcard (redirect and rewrite targets). */
export function readPreciseHostname(f: Field): string | undefined {
  return checked(f, false, (s) => s.length <= 253 && PRECISE_HOSTNAME.test(s) ? undefined
    : `${JSON.stringify(s)} is not a valid hostname (lowercase DNS name without wildcard)`);
}

export function readSectionName(f: Field, required = false): string | undefined {
  return checked(f, required, (s) => s.length <= 253 && SECTION_NAME.test(s) ? undefined
    : `${JSON.stringify(s)} is not a valid name (lowercase letters, digits and '-', starting and ending with a letter or digit)`);
}

export function readKind(f: Field, fallback: string): string {
  return checked(f, false, (s) => s.length <= 63 && KIND.test(s) ? undefined : `${JSON.stringify(s)} is not a valid kind`) ?? fallback;
}

export function readGroup(f: Field, fallback: string): string {
  return checked(f, false, (s) => s.length <= 253 && GROUP.test(s) ? undefined : `${JSON.stringify(s)} is not a valid API group`) ?? fallback;
}

export function readObjectName(f: Field, required = true): string | undefined {
  return checked(f, required, (s) => s.length >= 1 && s.length <= 253 ? undefined : "must be 1 to 253 characters long");
}

export function readNamespaceName(f: Field): string | undefined {
  return checked(f, false, (s) => dnsLabelError(s));
}

/** A Gateway API Duration ("1h30m", "500ms", "0s") in milliseconds. */
export function readDuration(f: Field): number | undefined {
  const s = checked(f, false, (v) => DURATION.test(v) ? undefined : `${JSON.stringify(v)} is not a valid duration (e.g. "10s", "500ms", "1h30m")`);
  // The Gateway API's format is a subset of Go's (GEP-2257), so its value is the Go duration's.
  return s === undefined ? undefined : goDuration(s);
}

/** metadata.generation (default 1) and metadata.creationTimestamp (ms), as a controller sees them. */
export function readLifecycle(root: Field): { generation: number; created?: number } {
  const generation = root.get("metadata").get("generation").int({ min: 1 }) ?? 1;
  return { generation, created: readCreated(root) };
}

/** The object as read (shared, never modified), for printing it back with a status: everything but its old status. */
export function manifestOf(root: Field): Record<string, unknown> {
  const { status: _status, ...rest } = root.value as Record<string, unknown>;
  return rest;
}
