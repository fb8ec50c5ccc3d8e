// kube-proxy's configuration where clusters keep it (sources/kube-proxy-config.ts): kubeadm's
// ConfigMap kube-system/kube-proxy (config.conf), EKS's kube-system/kube-proxy-config (config), the
// kube-proxy DaemonSet's flags, and the ConfigMap key its --config mounts; with --config the file
// replaces the flags (cmd/kube-proxy/app/options.go Complete).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load } from "../helpers.js";

const configMap = (name: string, key: string, conf: string) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: kube-system}
data:
  ${key}: |
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
${conf.split("\n").map((l) => `    ${l}`).join("\n")}
`;

/** A kube-proxy DaemonSet: `args` after the command, the volume `volume` (default: ConfigMap kube-proxy) mounted at /var/lib/kube-proxy. */
const daemonSet = (args: string[], volume = "configMap: {name: kube-proxy}", extraMount = "") => `---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: kube-proxy, namespace: kube-system}
spec:
  selector: {matchLabels: {k8s-app: kube-proxy}}
  template:
    metadata: {labels: {k8s-app: kube-proxy}}
    spec:
      hostNetwork: true
      containers:
      - name: kube-proxy
        image: registry.k8s.io/kube-proxy:v1.31.0
        command:
        - /usr/local/bin/kube-proxy
${args.map((a) => `        - ${JSON.stringify(a)}`).join("\n")}
        volumeMounts:
        - {name: kube-proxy, mountPath: /var/lib/kube-proxy}${extraMount}
      volumes:
      - name: kube-proxy
        ${volume}
`;

/** A ready pod of Service default/web on node-a. */
const WEB_1 = `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: default, labels: {app: web}}
spec: {nodeName: node-a, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.5, conditions: [{type: Ready, status: "True"}]}
`;

const cidrsOf = (yaml: string) => {
  const l = load({ "k.yaml": yaml });
  return { kp: l.inventory.kubeProxy, errors: l.diagnostics.errors.map((e) => e.message), warnings: l.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message), diags: l.diagnostics.items };
};

test("EKS keeps kube-proxy's configuration in ConfigMap kube-system/kube-proxy-config, key config: read when no DaemonSet says otherwise", () => {
  const eks = cidrsOf(configMap("kube-proxy-config", "config", "mode: iptables\nclusterCIDR: 10.1.0.0/16"));
  assert.deepEqual(eks.errors, []);
  assert.equal(eks.kp!.where, "ConfigMap kube-system/kube-proxy-config config");
  assert.deepEqual(eks.kp!.clusterCIDR!.map((c) => c.text), ["10.1.0.0/16"]);
  // Both installers' ConfigMaps and no DaemonSet: kubeadm's is read, the other warned about.
  const both = cidrsOf(configMap("kube-proxy", "config.conf", "clusterCIDR: 10.2.0.0/16") + configMap("kube-proxy-config", "config", "clusterCIDR: 10.1.0.0/16"));
  assert.deepEqual(both.kp!.clusterCIDR!.map((c) => c.text), ["10.2.0.0/16"]);
  assert.match(both.warnings.join("\n"), /a second kube-proxy configuration, and no kube-proxy DaemonSet in the input to say which one it reads: ConfigMap kube-system\/kube-proxy config\.conf is read/);
  // Another ConfigMap holding a KubeProxyConfiguration is not read without a DaemonSet mounting it, nor are its problems reported.
  const other = cidrsOf(configMap("my-proxy", "cfg.yaml", "clusterCIDR: 10.0.0.0/33"));
  assert.equal(other.kp, undefined);
  assert.deepEqual(other.errors, []);
});

test("the kube-proxy DaemonSet's --config names the ConfigMap key it mounts: that one is read, another is not (its errors neither)", () => {
  const yaml = daemonSet(["--config=/var/lib/kube-proxy/proxy.yaml", "--hostname-override=$(NODE_NAME)"], "configMap: {name: my-proxy}")
    + configMap("my-proxy", "proxy.yaml", "clusterCIDR: 10.3.0.0/16") + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.0.0.0/33");
  const r = cidrsOf(yaml);
  assert.deepEqual(r.errors, []);
  assert.equal(r.kp!.where, "ConfigMap kube-system/my-proxy proxy.yaml");
  assert.deepEqual(r.kp!.clusterCIDR!.map((c) => c.text), ["10.3.0.0/16"]);
  // items project a key to another file name; a subPath mount puts one key at the path itself.
  const items = cidrsOf(daemonSet(["--config", "/var/lib/kube-proxy/config.conf"], "configMap: {name: my-proxy, items: [{key: proxy.yaml, path: config.conf}]}") + configMap("my-proxy", "proxy.yaml", "clusterCIDR: 10.4.0.0/16"));
  assert.deepEqual(items.kp!.clusterCIDR!.map((c) => c.text), ["10.4.0.0/16"]);
  const sub = cidrsOf(daemonSet(["--config=/etc/kp.yaml"], "configMap: {name: my-proxy}", "\n        - {name: kube-proxy, mountPath: /etc/kp.yaml, subPath: proxy.yaml}") + configMap("my-proxy", "proxy.yaml", "clusterCIDR: 10.5.0.0/16"));
  assert.deepEqual(sub.kp!.clusterCIDR!.map((c) => c.text), ["10.5.0.0/16"]);
  // The ConfigMap read has an error: reported (at its own line), kube-proxy refuses it.
  const bad = cidrsOf(daemonSet(["--config=/var/lib/kube-proxy/config.conf"]) + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.0.0.0/33"));
  assert.match(bad.errors.join("\n"), /must be a valid CIDR block/);
  // The key is there but is no KubeProxyConfiguration: kube-proxy refuses to start.
  const notConfig = cidrsOf(daemonSet(["--config=/var/lib/kube-proxy/config.conf"], "configMap: {name: my-proxy}") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: my-proxy, namespace: kube-system}\ndata: {config.conf: 'mode: ipvs'}\n");
  assert.match(notConfig.errors.join("\n"), /kube-proxy reads this as its configuration file \(--config of DaemonSet kube-system\/kube-proxy\), and it is no KubeProxyConfiguration/);
  assert.deepEqual(notConfig.diags.filter((d) => d.severity === "error").map((d) => d.field?.join(".")), ["data.config.conf"]);
  // The ConfigMap is not in the input, or the path is on a hostPath volume: not known (no other ConfigMap read), warned.
  const missing = cidrsOf(daemonSet(["--config=/var/lib/kube-proxy/config.conf"]) + configMap("kube-proxy-config", "config", "clusterCIDR: 10.1.0.0/16"));
  assert.equal(missing.kp, undefined);
  assert.match(missing.warnings.join("\n"), /kube-proxy reads its configuration from ConfigMap kube-system\/kube-proxy key config\.conf \(--config \/var\/lib\/kube-proxy\/config\.conf of DaemonSet kube-system\/kube-proxy\), which the input lacks: kube-proxy's configuration is not known/);
  const host = cidrsOf(daemonSet(["--config=/var/lib/kube-proxy/config.conf"], "hostPath: {path: /etc/kube-proxy}") + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.1.0.0/16"));
  assert.equal(host.kp, undefined);
  assert.match(host.warnings.join("\n"), /--config \/var\/lib\/kube-proxy\/config\.conf is in volume kube-proxy, which is no ConfigMap: kube-proxy's configuration is not known/);
});

test("beside --config, kube-proxy ignores --cluster-cidr, --masquerade-all, --proxy-mode (the file replaces the flags): warned, not read", () => {
  const r = cidrsOf(daemonSet(["--config=/var/lib/kube-proxy/config.conf", "--cluster-cidr=10.9.0.0/16", "--masquerade-all", "--proxy-mode", "ipvs"]) + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.1.0.0/16"));
  assert.deepEqual(r.errors, []);
  assert.deepEqual([r.kp!.clusterCIDR!.map((c) => c.text), r.kp!.masqueradeAll, r.kp!.mode], [["10.1.0.0/16"], undefined, undefined]);
  assert.equal(r.warnings.filter((w) => /is ignored by kube-proxy beside --config: the configuration file replaces the flags/.test(w)).length, 3);
  assert.match(r.warnings.join("\n"), /--cluster-cidr is ignored by kube-proxy beside --config/);
});

test("without --config the DaemonSet's flags are kube-proxy's configuration (on its defaults): a ConfigMap it does not mount is not read", () => {
  const r = cidrsOf(daemonSet(["--cluster-cidr=10.1.0.0/16,fd00:1::/64", "--masquerade-all", "--proxy-mode", "nftables", "--nodeport-addresses=primary", "--detect-local-mode=ClusterCIDR", "--v=2"]) + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.7.0.0/16"));
  assert.deepEqual(r.errors, []);
  assert.equal(r.kp!.where, "the flags of DaemonSet kube-system/kube-proxy");
  assert.deepEqual([r.kp!.clusterCIDR!.map((c) => c.text), r.kp!.masqueradeAll, r.kp!.mode, r.kp!.nodePortAddresses, r.kp!.detectLocalMode], [["10.1.0.0/16", "fd00:1::/64"], true, "nftables", { cidrs: [], primary: true, text: "primary" }, "ClusterCIDR"]);
  // No flag: kube-proxy's defaults, a known configuration (no clusterCIDR: no local-traffic detector), not "unknown".
  const none = cidrsOf(daemonSet(["--v=2"]));
  assert.deepEqual(none.kp, { where: "the flags of DaemonSet kube-system/kube-proxy" });
  // pflag: the last of a repeated flag stands; a bool flag takes "=value" only.
  assert.deepEqual(cidrsOf(daemonSet(["--cluster-cidr=10.1.0.0/16", "--cluster-cidr=10.2.0.0/16", "--masquerade-all=false"])).kp, { where: "the flags of DaemonSet kube-system/kube-proxy", clusterCIDR: cidrsOf(daemonSet(["--cluster-cidr=10.2.0.0/16"])).kp!.clusterCIDR, masqueradeAll: false });
  // --iptables-localhost-nodeports (a bool flag; cmd/kube-proxy/app/options.go AddFlags) and iptables.localhostNodePorts.
  assert.equal(cidrsOf(daemonSet(["--iptables-localhost-nodeports=false"])).kp!.localhostNodePorts, false);
  assert.equal(cidrsOf(daemonSet(["--iptables-localhost-nodeports"])).kp!.localhostNodePorts, true);
  assert.equal(cidrsOf(configMap("kube-proxy", "config.conf", "iptables: {localhostNodePorts: false}")).kp!.localhostNodePorts, false);
  // A value the kubelet expands from the environment: not known, warned.
  const env = cidrsOf(daemonSet(["--cluster-cidr=$(POD_CIDR)"]));
  assert.equal(env.kp, undefined);
  assert.match(env.warnings.join("\n"), /--cluster-cidr's value "\$\(POD_CIDR\)" is expanded by the kubelet/);
});

test("the DaemonSet's bad flag values are errors naming the args item (kube-proxy refuses to start), exit 2", async () => {
  const r = cidrsOf(daemonSet(["--cluster-cidr=10.1.0.0/33", "--proxy-mode=userspace", "--masquerade-all=yes", "--nodeport-addresses=primary,10.0.0.0/8", "--detect-local-mode"]));
  assert.match(r.errors.join("\n"), /--cluster-cidr: "10\.1\.0\.0\/33" must be a valid CIDR block/);
  assert.match(r.errors.join("\n"), /--proxy-mode "userspace" is not one of iptables, ipvs, nftables/);
  assert.match(r.errors.join("\n"), /--masquerade-all=yes: not a boolean/);
  assert.match(cidrsOf(daemonSet(["--iptables-localhost-nodeports=maybe"])).errors.join("\n"), /--iptables-localhost-nodeports=maybe: not a boolean/);
  assert.match(r.errors.join("\n"), /can't use both 'primary' and CIDRs/);
  assert.match(r.errors.join("\n"), /flag needs an argument: --detect-local-mode/);
  const out = await cli(["list", "-f", "-", "-q"], daemonSet(["--cluster-cidr=10.1.0.0/33"]));
  assert.equal(out.code, 2);
  assert.match(out.err, /<stdin>:16 spec\.template\.spec\.containers\[0\]\.command\[1\]: --cluster-cidr/);
  assert.doesNotMatch(out.err, /    at /);
});

test("the DaemonSet's flags decide an answer: --cluster-cidr masquerades a connection to a cluster IP from outside it", async () => {
  const cluster = `apiVersion: v1
kind: Node
metadata: {name: node-b}
status: {addresses: [{type: InternalIP, address: 10.0.0.2}]}
---
${WEB_1}---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {nodeName: node-b, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 198.18.0.20}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {selector: {app: web}, clusterIP: 10.96.0.10, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{from: [{ipBlock: {cidr: 198.18.0.0/15}}]}]
`;
  const run = async (extra: string) => {
    const r = await cli(["explain", "-f", "-", "--from", "default/client", "--to", "svc:default/web", "--port", "80", "-o", "json", "-q"], cluster + extra);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return (JSON.parse(r.out).pairs as { verdict: string }[]).map((p) => p.verdict);
  };
  assert.deepEqual(await run(daemonSet(["--cluster-cidr=10.1.0.0/16"])), ["deny"]);
  // The same flag beside --config is ignored: the file (no clusterCIDR) decides, the source is kept.
  assert.deepEqual(await run(daemonSet(["--config=/var/lib/kube-proxy/config.conf", "--cluster-cidr=10.1.0.0/16"]) + configMap("kube-proxy", "config.conf", "mode: iptables")), ["allow"]);
});

test("kube-proxy started through a shell's -c line (kube-up's and GKE's: sh -c \"exec kube-proxy --flags 1>>LOG 2>&1\"): the words of the line's command running kube-proxy, as sh splits them, are its flags; a wrapper or a script is not read (its configuration not known)", () => {
  const shell = (line: string, sh = "/bin/sh") => daemonSet([]).replace("        - /usr/local/bin/kube-proxy\n", `        - ${sh}\n        - -c\n        args: [${JSON.stringify(line)}]\n`);
  const kubeadm = configMap("kube-proxy", "config.conf", "clusterCIDR: 10.7.0.0/16");
  // GKE's static pod line (its redirections are no flags; --cluster-cidr is not read under NodeCIDR: validateDetectLocalConfiguration).
  const gke = cidrsOf(shell("exec kube-proxy --master=https://35.223.145.12 --kubeconfig=/var/lib/kube-proxy/kubeconfig --cluster-cidr=10.4.0.0/14 --oom-score-adj=-998 --v=2 --detect-local-mode=NodeCIDR 1>>/var/log/kube-proxy.log 2>&1") + kubeadm);
  assert.deepEqual([gke.errors, gke.kp], [[], { where: "the flags of DaemonSet kube-system/kube-proxy", detectLocalMode: "NodeCIDR" }]);
  // Quotes and backslashes removed, the last command running kube-proxy read (after a cleanup run), env and assignments before it.
  const quoted = cidrsOf(shell("kube-proxy --cleanup || true; FOO=1 exec env kube-proxy --cluster-cidr '10.1.0.0/16' --proxy-mode \"ipvs\" --masquerade-all >/dev/null", "bash"));
  assert.deepEqual([quoted.kp?.mode, quoted.kp?.clusterCIDR?.map((c) => c.text), quoted.kp?.masqueradeAll], ["ipvs", ["10.1.0.0/16"], true]);
  // A value the shell expands is not known: warned, the configuration unknown.
  const expanded = cidrsOf(shell("exec kube-proxy --cluster-cidr=${POD_CIDR}") + kubeadm);
  assert.equal(expanded.kp, undefined);
  assert.match(expanded.warnings.join("\n"), /--cluster-cidr's value "\$\{POD_CIDR\}" is expanded by the shell: not read/);
  // What kube-proxy refuses is an error, as for a flag of its own.
  assert.match(cidrsOf(shell("exec kube-proxy --cluster-cidr=10.0.0.0/33")).errors.join("\n"), /--cluster-cidr: "10\.0\.0\.0\/33" must be a valid CIDR block/);
  // A script, or a line that runs no kube-proxy: not read, and not the defaults nor a ConfigMap it may not mount.
  for (const yaml of [shell("/start-kube-proxy.sh --cluster-cidr=10.1.0.0/16"), daemonSet([]).replace("        - /usr/local/bin/kube-proxy\n", "        - /bin/sh\n        - /start-kube-proxy.sh\n")]) {
    const r = cidrsOf(yaml + kubeadm);
    assert.equal(r.kp, undefined);
    assert.match(r.warnings.join("\n"), /kube-proxy is started through "\/bin\/sh": its flags are not read, and its configuration is not known/);
  }
});

/** A kube-proxy static pod (its mirror pod, owned by its Node), started through sh -c as kube-up's manifest does. */
const staticPod = (node: string, flags: string, owner = `{apiVersion: v1, kind: Node, name: ${node}, uid: u-${node}, controller: true}`) => `---
apiVersion: v1
kind: Pod
metadata: {name: kube-proxy-${node}, namespace: kube-system, ownerReferences: [${owner}]}
spec:
  nodeName: ${node}
  hostNetwork: true
  containers:
  - name: kube-proxy
    image: gke.gcr.io/kube-proxy-amd64:v1.20.10-gke.1600
    command: [/bin/sh, -c, ${JSON.stringify(`exec kube-proxy ${flags} 1>>/var/log/kube-proxy.log 2>&1`)}]
`;

test("kube-proxy run as a static pod (a Pod in kube-system no DaemonSet owns: kube-up's and GKE's manifest) is read as a DaemonSet is, over a DaemonSet (GKE's selects no node); a DaemonSet's pod is not", () => {
  const one = cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14"));
  assert.deepEqual([one.errors, one.kp?.where, one.kp?.clusterCIDR?.map((c) => c.text)], [[], "the flags of Pod kube-system/kube-proxy-node-1 (a static pod)", ["10.4.0.0/14"]]);
  // Beside a DaemonSet: the static pod's, the DaemonSet warned about (in either order).
  for (const yaml of [daemonSet(["--cluster-cidr=10.9.0.0/16"]) + staticPod("node-1", "--cluster-cidr=10.4.0.0/14"), staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + daemonSet(["--cluster-cidr=10.9.0.0/16"])]) {
    const both = cidrsOf(yaml);
    assert.deepEqual(both.kp?.clusterCIDR?.map((c) => c.text), ["10.4.0.0/14"]);
    assert.match(both.warnings.join("\n"), /kube-proxy also runs as a static pod \(Pod kube-system\/kube-proxy-node-1 \(a static pod\)\): its configuration is read, not this DaemonSet's/);
  }
  // Static pods of other flags: the first read, the other warned about; the same flags on every node: no warning.
  const differ = cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + staticPod("node-2", "--cluster-cidr=10.5.0.0/16"));
  assert.deepEqual(differ.kp?.clusterCIDR?.map((c) => c.text), ["10.4.0.0/14"]);
  assert.match(differ.warnings.join("\n"), /kube-proxy static pods with other flags: the first read \(Pod kube-system\/kube-proxy-node-1 \(a static pod\)\) is the configuration read/);
  assert.deepEqual(cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + staticPod("node-2", "--cluster-cidr=10.4.0.0/14")).warnings, []);
  // A DaemonSet's pod is read through its DaemonSet.
  const owned = cidrsOf(daemonSet(["--cluster-cidr=10.9.0.0/16"]) + staticPod("node-1", "--cluster-cidr=10.4.0.0/14", "{apiVersion: apps/v1, kind: DaemonSet, name: kube-proxy, uid: u1, controller: true}"));
  assert.deepEqual([owned.kp?.clusterCIDR?.map((c) => c.text), owned.warnings], [["10.9.0.0/16"], []]);
  // A Pod another controller owns (a ReplicaSet, a Job) is no static pod: a static pod's mirror is owned by its Node, a
  // manifest file's Pod by no one (found by revA: any Pod but a DaemonSet's was read as one).
  const replica = cidrsOf(daemonSet(["--cluster-cidr=10.9.0.0/16"]) + staticPod("node-1", "--cluster-cidr=10.4.0.0/14", "{apiVersion: apps/v1, kind: ReplicaSet, name: kp-7d9, uid: u2, controller: true}"));
  assert.deepEqual([replica.kp?.clusterCIDR?.map((c) => c.text), replica.warnings], [["10.9.0.0/16"], []]);
  assert.equal(cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14", "")).kp?.clusterCIDR?.[0]?.text, "10.4.0.0/14");
});

test("flag and file values are not trimmed (the conversion splits on \",\", ParseCIDRSloppy takes no white space); an empty --nodeport-addresses is no list (pflag readAsCSV), not an empty one", async () => {
  const spaced = cidrsOf(daemonSet(["--cluster-cidr=10.1.0.0/16, fd00:1::/64"]));
  assert.match(spaced.errors.join("\n"), /--cluster-cidr: " fd00:1::\/64" must be a valid CIDR block/);
  const file = cidrsOf(configMap("kube-proxy", "config.conf", "clusterCIDR: '10.1.0.0/16, fd00:1::/64'"));
  assert.match(file.errors.join("\n"), /" fd00:1::\/64" must be a valid CIDR block/);
  const empty = cidrsOf(daemonSet(["--nodeport-addresses="]));
  assert.deepEqual([empty.errors, empty.kp], [[], { where: "the flags of DaemonSet kube-system/kube-proxy" }]);
  // The option alike: "" leaves node ports on every address (it was an error).
  const r = await cli(["list", "-f", "-", "-q", "--nodeport-addresses", ""], configMap("kube-proxy", "config.conf", "mode: iptables"));
  assert.notEqual(r.code, 2, r.err);
});

test("detectLocalMode BridgeInterface or InterfaceNamePrefix needs its interface; clusterCIDR is checked under ClusterCIDR only (validateDetectLocalConfiguration)", () => {
  const bridge = cidrsOf(configMap("kube-proxy", "config.conf", "detectLocalMode: BridgeInterface"));
  assert.match(bridge.errors.join("\n"), /must not be empty under detectLocalMode BridgeInterface/);
  assert.deepEqual(bridge.diags.filter((d) => d.severity === "error").map((d) => d.field?.join(".")), ["data.config.conf.detectLocal.bridgeInterface"]);
  assert.deepEqual(cidrsOf(configMap("kube-proxy", "config.conf", "detectLocalMode: InterfaceNamePrefix\ndetectLocal: {interfaceNamePrefix: veth}")).errors, []);
  // Another mode: a clusterCIDR kube-proxy does not use is not checked.
  const nodeCidr = cidrsOf(configMap("kube-proxy", "config.conf", "detectLocalMode: NodeCIDR\nclusterCIDR: 10.0.0.0/33"));
  assert.deepEqual(nodeCidr.errors, []);
  assert.equal(nodeCidr.kp!.clusterCIDR, undefined);
  const flags = cidrsOf(daemonSet(["--detect-local-mode=BridgeInterface", "--cluster-cidr=10.0.0.0/33"]));
  assert.deepEqual(flags.errors, ["--detect-local-mode BridgeInterface needs --pod-bridge-interface (kube-proxy refuses to start: validateDetectLocalConfiguration)"]);
  assert.deepEqual(cidrsOf(daemonSet(["--detect-local-mode=BridgeInterface", "--pod-bridge-interface=cbr0"])).errors, []);
});

test("a shell's -c line in args (command [/bin/sh, -c], args [LINE]) is read whatever the container's name (it was not found: no configuration read)", () => {
  const yaml = daemonSet([]).replace("      - name: kube-proxy\n", "      - name: proxy\n").replace("        - /usr/local/bin/kube-proxy\n", "        - /bin/sh\n        - -c\n        args: [\"exec kube-proxy --cluster-cidr=10.1.0.0/16\"]\n");
  const r = cidrsOf(yaml + configMap("kube-proxy", "config.conf", "clusterCIDR: 10.7.0.0/16"));
  assert.deepEqual([r.errors, r.kp?.where, r.kp?.clusterCIDR?.map((c) => c.text)], [[], "the flags of DaemonSet kube-system/kube-proxy", ["10.1.0.0/16"]]);
});

test("a word the shell ($ARGS, \"$@\") or the kubelet ($(ARGS)) expands where a flag stands may be any flags: kube-proxy's configuration is not known (it was read as the flags around it); an unread flag's value is not one", () => {
  const shell = (line: string) => daemonSet([]).replace("        - /usr/local/bin/kube-proxy\n", `        - /bin/sh\n        - -c\n        args: [${JSON.stringify(line)}]\n`);
  const kubeadm = configMap("kube-proxy", "config.conf", "clusterCIDR: 10.7.0.0/16");
  for (const [yaml, by] of [[shell("exec kube-proxy --cluster-cidr=10.1.0.0/16 $KUBE_PROXY_ARGS"), "the shell"], [shell("exec kube-proxy \"$@\""), "the shell"], [daemonSet(["--cluster-cidr=10.1.0.0/16", "$(EXTRA_ARGS)"]), "the kubelet"]]) {
    const r = cidrsOf(yaml + kubeadm);
    assert.equal(r.kp, undefined, yaml);
    assert.match(r.warnings.join("\n"), new RegExp(`is expanded by ${by}.* where a flag of kube-proxy stands: its flags are not known`));
  }
  const value = cidrsOf(daemonSet(["--hostname-override", "$(NODE_NAME)", "--cluster-cidr=10.1.0.0/16"]));
  assert.deepEqual([value.kp?.clusterCIDR?.map((c) => c.text), value.warnings], [["10.1.0.0/16"], []]);
});

test("nodePortAddresses by kube-proxy's version (its image tag): v1.37's keywords localhost and all, and primary among CIDRs (kubernetes#138427), refused before; primary refused before v1.30; not shown: read as v1.37 does, warned", async () => {
  const at = (image: string, args: string[]) => daemonSet(args).replace("registry.k8s.io/kube-proxy:v1.31.0", image);
  // v1.37: every keyword with CIDRs; localhost is 127.0.0.1/32 and ::1/128, all 0.0.0.0/0 and ::/0.
  const v37 = cidrsOf(at("registry.k8s.io/kube-proxy:v1.37.0", ["--nodeport-addresses=primary,localhost,198.51.100.0/24"]));
  assert.deepEqual([v37.errors, v37.warnings], [[], []]);
  assert.deepEqual([v37.kp!.nodePortAddresses!.primary, v37.kp!.nodePortAddresses!.cidrs.map((c) => c.text)], [true, ["127.0.0.1/32 (localhost)", "::1/128 (localhost)", "198.51.100.0/24"]]);
  assert.deepEqual(cidrsOf(at("registry.k8s.io/kube-proxy:v1.37.2", ["--nodeport-addresses=all"])).kp!.nodePortAddresses!.cidrs.map((c) => c.text), ["0.0.0.0/0 (all)", "::/0 (all)"]);
  assert.match(cidrsOf(at("registry.k8s.io/kube-proxy:v1.37.2", ["--nodeport-addresses=localhost,localhost"])).errors.join("\n"), /the keyword "localhost" is given twice/);
  // v1.36 (an EKS tag): the keywords are no CIDRs, primary only alone; v1.29: not even primary.
  const v36 = cidrsOf(at("602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/kube-proxy:v1.36.1-minimal-eksbuild.2", ["--nodeport-addresses=primary,localhost"]));
  assert.match(v36.errors.join("\n"), /--nodeport-addresses: nodePortAddresses: "localhost" must be a valid CIDR \(kube-proxy v1\.36; the keywords localhost and all came in v1\.37\) \(kube-proxy refuses to start\)/);
  assert.match(cidrsOf(at("registry.k8s.io/kube-proxy:v1.36.1", ["--nodeport-addresses=primary,10.0.0.0/8"])).errors.join("\n"), /can't use both 'primary' and CIDRs \(kube-proxy v1\.36; v1\.37 takes them together\)/);
  assert.deepEqual(cidrsOf(at("registry.k8s.io/kube-proxy:v1.36.1", ["--nodeport-addresses=primary"])).errors, []);
  assert.match(cidrsOf(at("registry.k8s.io/kube-proxy:v1.29.4", ["--nodeport-addresses=primary"])).errors.join("\n"), /"primary" must be a valid CIDR \(kube-proxy v1\.29: "primary" came in v1\.30\)/);
  // No version in the image reference (a digest, :latest): read as v1.37 reads it, warned.
  const digest = cidrsOf(at("registry.k8s.io/kube-proxy@sha256:0123456789abcdef", ["--nodeport-addresses=primary,localhost"]));
  assert.deepEqual(digest.errors, []);
  assert.match(digest.warnings.join("\n"), /--nodeport-addresses primary,localhost: kube-proxy before v1\.37 refuses the keywords localhost and all, and primary among other values \(it does not start\), and the input does not show kube-proxy's version/);
  // The file a DaemonSet mounts is checked against the DaemonSet's version.
  const file = (image: string) => cidrsOf(at(image, ["--config=/var/lib/kube-proxy/config.conf"]) + configMap("kube-proxy", "config.conf", "nodePortAddresses: [primary, localhost]"));
  const old = file("registry.k8s.io/kube-proxy:v1.35.0");
  assert.match(old.errors.join("\n"), /nodePortAddresses: "localhost" must be a valid CIDR \(kube-proxy v1\.35; .*\(kube-proxy refuses this configuration; its version from the image of DaemonSet kube-system\/kube-proxy\)/);
  assert.equal(old.kp!.nodePortAddresses, undefined);
  assert.deepEqual(file("registry.k8s.io/kube-proxy:v1.37.0").errors, []);
  // The answer: v1.37's primary,localhost serves the node's own 127.0.0.1 at a node port (iptables), and its primary address, not another.
  const cluster = `apiVersion: v1
kind: Node
metadata: {name: node-a}
status: {addresses: [{type: InternalIP, address: 10.0.0.1}, {type: ExternalIP, address: 198.51.100.1}]}
---
${WEB_1}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: NodePort, selector: {app: web}, clusterIP: 10.96.0.10, ports: [{port: 80, nodePort: 30080}]}
`;
  const ask = async (to: string) => {
    const r = await cli(["explain", "-f", "-", "--from", "node:node-a", "--to", to, "--port", "30080", "-o", "json", "-q"], cluster + at("registry.k8s.io/kube-proxy:v1.37.0", ["--nodeport-addresses=primary,localhost"]));
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return (JSON.parse(r.out).pairs as { to: string; ingress: { summary: string } }[]).map((p) => [p.to, p.ingress.summary.startsWith("denied") ? p.ingress.summary : "served"]);
  };
  assert.deepEqual(await ask("ip:127.0.0.1"), [["default/web-1", "served"]]);
  assert.deepEqual(await ask("ip:10.0.0.1"), [["default/web-1", "served"]]);
  assert.match((await ask("ip:198.51.100.1"))[0][1], /at its primary address and its addresses in 127\.0\.0\.1\/32 \(localhost\), ::1\/128 \(localhost\) only/);
});

test("static pods are compared by their configuration, not their words (each has its own --hostname-override; flag order, --v): no warning, it warned; the DaemonSet's and another static pod's errors are reported when the first static pod wins (they were dropped); a word that is no flag nor a flag's value is refused (NewProxyCommand Args)", () => {
  // Same configuration, other words: each node's own --hostname-override, other flag order and log level.
  const same = cidrsOf(staticPod("node-1", "--hostname-override=node-1 --cluster-cidr=10.4.0.0/14 --v=2 --proxy-mode iptables") + staticPod("node-2", "--proxy-mode=iptables --v=4 --cluster-cidr=10.4.0.0/14 --hostname-override node-2"));
  assert.deepEqual([same.errors, same.warnings], [[], []]);
  // Another configuration is still warned about.
  assert.match(cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + staticPod("node-2", "--cluster-cidr=10.4.0.0/14 --masquerade-all")).warnings.join("\n"), /kube-proxy static pods with other flags/);
  // What the DaemonSet (or a second static pod) refuses is refused where it runs: reported, though the first static pod's configuration is read.
  const ds = cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + daemonSet(["--cluster-cidr=10.9.0.0/33"]));
  assert.deepEqual(ds.kp?.clusterCIDR?.map((c) => c.text), ["10.4.0.0/14"]);
  assert.match(ds.errors.join("\n"), /--cluster-cidr: "10\.9\.0\.0\/33" must be a valid CIDR block/);
  const second = cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14") + staticPod("node-2", "--proxy-mode=userspace"));
  assert.match(second.errors.join("\n"), /--proxy-mode "userspace" is not one of iptables, ipvs, nftables/);
  // kube-proxy takes no positional argument: a stray word, a bool flag's value written apart, a word after "--".
  const stray = cidrsOf(daemonSet(["--cluster-cidr=10.1.0.0/16", "iptables"]));
  assert.match(stray.errors.join("\n"), /"kube-proxy" does not take any arguments, got \["iptables"\] \(kube-proxy refuses to start/);
  assert.match(cidrsOf(daemonSet(["--masquerade-all", "true"])).errors.join("\n"), /got \["true"\]/);
  assert.match(cidrsOf(daemonSet(["--v=2", "--", "--cluster-cidr=10.1.0.0/16"])).errors.join("\n"), /got \["--cluster-cidr=10\.1\.0\.0\/16"\]/);
  // The value of a flag not read here is no argument (--hostname-override NAME, -v 2, --log-flush-frequency 5s); an empty word neither.
  assert.deepEqual(cidrsOf(daemonSet(["--hostname-override", "node-1", "-v", "2", "--log-flush-frequency", "5s", "", "--profiling"])).errors, []);
  // A static pod's shell line alike.
  assert.match(cidrsOf(staticPod("node-1", "--cluster-cidr=10.4.0.0/14 extra")).errors.join("\n"), /does not take any arguments, got \["extra"\]/);
});

// cmd/kube-proxy/app/options.go Complete: SetFromMap(o.config.FeatureGates) (the file's featureGates
// or --feature-gates); component-base featuregate: "unrecognized feature gate: %s" for a name the
// release does not know, whatever its value: kube-proxy before v1.37 refuses to start on
// KubeProxyNFTablesLocalhostNodePorts (kubernetes#138427). Junction read it as given (a wrong answer:
// the node's own 127.0.0.1 at a node port served by a kube-proxy that does not run).
test("the feature gate KubeProxyNFTablesLocalhostNodePorts by kube-proxy's version (its image tag): v1.37 knows it; before, kube-proxy refuses to start (unrecognized feature gate), in the flags and in the file; not shown: read as v1.37, warned", () => {
  const at = (image: string, args: string[]) => daemonSet(args).replace("registry.k8s.io/kube-proxy:v1.31.0", image);
  const flag = "--feature-gates=KubeProxyNFTablesLocalhostNodePorts=true";
  const v37 = cidrsOf(at("registry.k8s.io/kube-proxy:v1.37.0", ["--proxy-mode=nftables", flag]));
  assert.deepEqual([v37.errors, v37.warnings, v37.kp!.localhostProxy], [[], [], true]);
  for (const value of ["true", "false"]) {
    const v36 = cidrsOf(at("registry.k8s.io/kube-proxy:v1.36.2", ["--proxy-mode=nftables", `--feature-gates=Foo=true,KubeProxyNFTablesLocalhostNodePorts=${value}`]));
    assert.match(v36.errors.join("\n"), /--feature-gates: unrecognized feature gate: KubeProxyNFTablesLocalhostNodePorts \(kube-proxy v1\.36 refuses to start: the gate came in v1\.37/, value);
    assert.equal(v36.kp!.localhostProxy, undefined);
  }
  const digest = cidrsOf(at("registry.k8s.io/kube-proxy@sha256:0123456789abcdef", [flag]));
  assert.deepEqual([digest.errors, digest.kp!.localhostProxy], [[], true]);
  assert.match(digest.warnings.join("\n"), /kube-proxy before v1\.37 does not know the gate KubeProxyNFTablesLocalhostNodePorts and refuses to start on it \("unrecognized feature gate"\), and the input does not show kube-proxy's version/);
  // The file a DaemonSet mounts, against the DaemonSet's version.
  const file = (image: string) => cidrsOf(at(image, ["--config=/var/lib/kube-proxy/config.conf"]) + configMap("kube-proxy", "config.conf", "mode: nftables\nfeatureGates: {KubeProxyNFTablesLocalhostNodePorts: true}"));
  const old = file("registry.k8s.io/kube-proxy:v1.35.0");
  assert.match(old.errors.join("\n"), /unrecognized feature gate: KubeProxyNFTablesLocalhostNodePorts \(kube-proxy v1\.35 refuses to start: .*\(its version from the image of DaemonSet kube-system\/kube-proxy\)/);
  assert.equal(old.kp!.localhostProxy, undefined);
  const now = file("registry.k8s.io/kube-proxy:v1.37.1");
  assert.deepEqual([now.errors, now.warnings, now.kp!.localhostProxy], [[], [], true]);
  // Without a DaemonSet: the version is not shown.
  const alone = cidrsOf(configMap("kube-proxy", "config.conf", "featureGates: {KubeProxyNFTablesLocalhostNodePorts: true}"));
  assert.deepEqual([alone.errors, alone.kp!.localhostProxy], [[], true]);
  assert.match(alone.warnings.join("\n"), /featureGates KubeProxyNFTablesLocalhostNodePorts: kube-proxy before v1\.37 does not know the gate/);
});
