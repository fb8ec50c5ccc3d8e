// Linkerd's control-plane values (sources/linkerd/config.ts): the ConfigMap linkerd/linkerd-config's
// data.values, from which the chart writes the policy controller's --default-policy
// (proxy.defaultInboundPolicy) and --cluster-networks (clusterNetworks) (charts/linkerd-control-plane/
// templates/destination.yaml). A pod without config.linkerd.io/default-inbound-policy gets the cluster's
// default (inbound/index.rs default_inbound_server: settings.default_policy.unwrap_or(config.default_policy)).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { namespace, pod } from "./fixture.js";

const WORLD = namespace("bank", "{}", "{linkerd.io/inject: enabled}") + namespace("plain")
  + pod("bank", "ledger", "10.1.0.1", { proxy: "linkerd-proxy" }) + pod("bank", "teller", "10.1.0.2", { proxy: "linkerd-proxy" }) + pod("plain", "bare", "10.3.0.2")
  + "apiVersion: v1\nkind: Service\nmetadata: {name: ledger, namespace: bank}\nspec: {selector: {app: ledger}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n";

const config = (values: string, ns = "linkerd") => `${namespace(ns)}apiVersion: v1
kind: ConfigMap
metadata: {name: linkerd-config, namespace: ${ns}}
data:
  values: |
${values.split("\n").map((l) => `    ${l}`).join("\n")}
---
`;

async function answer(yaml: string, from: string, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    return await cli(["explain", "-q", "-f", dir, "--from", from, "--request", "GET http://ledger.bank/x", ...args]);
  } finally { cleanup(); }
}

test("linkerd-config's proxy.defaultInboundPolicy is the cluster's default inbound policy (was: all-unauthenticated whatever the install said, a wrong allow); --linkerd-default-policy replaces it; a pod's annotation beats it", async () => {
  const deny = WORLD + config("proxy:\n  defaultInboundPolicy: deny");
  const r = await answer(deny, "bank/teller");
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /answer\s+403/);
  assert.match(r.out, /unauthorized on the default route: nothing authorizes it/);
  const flag = await answer(deny, "bank/teller", "--linkerd-default-policy", "all-authenticated");
  assert.equal(flag.code, 0, flag.out + flag.err);
  assert.match(flag.out, /default policy all-authenticated \(the cluster default\)/);
  const own = await answer(deny.replace("name: ledger, namespace: bank, labels", "name: ledger, namespace: bank, annotations: {config.linkerd.io/default-inbound-policy: all-unauthenticated}, labels"), "bank/teller");
  assert.equal(own.code, 0, own.out + own.err);
  // Another namespace's linkerd-config is not the control plane's: not read.
  const other = await answer(WORLD + config("proxy:\n  defaultInboundPolicy: deny", "elsewhere"), "bank/teller");
  assert.equal(other.code, 0, other.out + other.err);
});

test("linkerd-config's clusterNetworks are what the cluster-* policies admit (was: the chart's default networks whatever the install said, a wrong allow)", async () => {
  const narrow = WORLD + config('clusterNetworks: "10.1.0.0/16"\nproxy:\n  defaultInboundPolicy: cluster-unauthenticated');
  const outside = await answer(narrow, "plain/bare");
  assert.equal(outside.code, 1, outside.out + outside.err);
  assert.match(outside.out, /no authorization admits the client \(the default policy cluster-unauthenticated \(the cluster default\)\)/);
  assert.equal((await answer(narrow, "bank/teller")).code, 0);
});

test("linkerd-config values the policy controller refuses (clap's parse of --default-policy, --cluster-networks) are errors naming the line", async () => {
  const r = await answer(WORLD + config('clusterNetworks: "10.1.0.0/16,x"\nproxy:\n  defaultInboundPolicy: Deny'), "bank/teller");
  assert.equal(r.code, 2);
  assert.match(r.err, /a\.yaml:\d+ data\.values\.proxy\.defaultInboundPolicy: "Deny" is no default policy/);
  assert.match(r.err, /a\.yaml:\d+ data\.values\.clusterNetworks: "x" is no CIDR/);
});
