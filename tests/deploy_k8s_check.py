#!/usr/bin/python3
"""Checks deploy/kubernetes without a cluster: every manifest parses, and
every name one file uses exists where it should (no cluster runs here, so this
is what stands between a typo and a broken `kubectl apply`).

  deploy_k8s_check.py [--src REPO] [--k8s DIR] [--bin DIR]
                                                 check the manifests
  deploy_k8s_check.py --self-test [--src REPO]   check, then prove the checker
                                                 catches deliberate breakage

What is checked:
  * every *.yaml parses; resources have apiVersion, kind, metadata.name;
    kustomizations list only files and directories that exist;
  * the Dockerfile is multi-stage on Debian 12, its runtime stage installs no
    compilers or -dev packages, runs as a non-root USER, and copies every
    binary the manifests run; its io.gridless.image label names the image,
    which every container and every kustomization `images:` entry uses;
  * the binaries the containers run are CMake executables of the repository,
    and every --flag they are given is one the binary accepts: with --bin,
    one its real `--help` lists (DIR/BINARY --help; for `gridless`, the
    subcommand's --help); without it, one registered in its sources;
  * ports: --listen/--http ports equal the named container ports, Service
    targetPorts and probe ports name container ports, --coordinator names a
    Service and one of its ports, whose target is the coordinator's grpc port;
  * volumes: every mount has a volume, Secrets and PVCs referenced exist
    (manifest or secretGenerator) with the keys used, --token-file and
    --journal point inside the right mounts, non-root pods reading a Secret
    set fsGroup;
  * the shared data volume: a PersistentVolumeClaim with accessModes
    ReadWriteMany, mounted read-write by the coordinator and by every worker
    container, the same claim at the same mountPath (loan tapes and
    map-reduce stores must name the same files on every pod);
  * every container has cpu and memory requests and limits, pods run as
    non-root, workers have a terminationGracePeriodSeconds;
  * Services, PodDisruptionBudgets and autoscalers select or target existing
    workloads; every gridless_* metric the manifests use is exported by the
    coordinator's sources, and probes use a path the coordinator serves.
Exit status 0 when all checks pass, 1 otherwise (each problem printed with the
file it is in).
"""

import argparse
import copy
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    print("SKIP: PyYAML is not importable (install python3-yaml; scripts/install-deps.sh does)")
    sys.exit(77)

# Which source directories register the flags of which binary (common/ holds
# flags shared by all three).
BINARY_SOURCES = {
    "gridless-coordinator": ["coordinator", "common"],
    "gridless-worker": ["worker", "common"],
    "gridless": ["cli", "common"],
}

COMPILERS = re.compile(r"(^|\s)(g\+\+|gcc|clang(\+\+)?(-\d+)?|cmake|make|build-essential|[\w.+-]+-dev)(\s|$)")


class Checker:
    def __init__(self, k8s_dir, src_dir, bin_dir=None):
        self.k8s = os.path.abspath(k8s_dir)
        self.src = os.path.abspath(src_dir)
        self.bin = os.path.abspath(bin_dir) if bin_dir else None
        self.help_cache = {}
        self.errors = []
        self.warnings = []
        self.docs = []  # (path, doc)
        self.kustomizations = {}  # path -> doc
        self.source_cache = {}

    # ---- reporting
    def error(self, where, msg):
        self.errors.append(f"{os.path.relpath(where, self.k8s)}: {msg}")

    def warn(self, where, msg):
        self.warnings.append(f"{os.path.relpath(where, self.k8s)}: {msg}")

    # ---- sources
    def sources(self, dirs):
        key = tuple(dirs)
        if key not in self.source_cache:
            text = []
            for d in dirs:
                for path in sorted(glob.glob(os.path.join(self.src, d, "**", "*"), recursive=True)):
                    if path.endswith((".cc", ".h", ".cpp")) and os.path.isfile(path):
                        with open(path, errors="replace") as f:
                            text.append(f.read())
            self.source_cache[key] = "\n".join(text)
        return self.source_cache[key]

    def help_flags(self, binary, argv):
        """The flags `BIN/binary [subcommand] --help` lists, or an error
        string when it cannot be run."""
        cmd = [os.path.join(self.bin, binary)]
        if binary == "gridless" and len(argv) > 1 and not argv[1].startswith("-"):
            cmd.append(argv[1])
        cmd.append("--help")
        key = tuple(cmd)
        if key not in self.help_cache:
            if not os.access(cmd[0], os.X_OK):
                self.help_cache[key] = f"{cmd[0]} is not an executable (build it first)"
            else:
                try:
                    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
                except (OSError, subprocess.TimeoutExpired) as e:
                    self.help_cache[key] = f"`{' '.join(cmd)}` failed: {e}"
                else:
                    if out.returncode != 0:
                        self.help_cache[key] = f"`{' '.join(cmd)}` exited with {out.returncode}: {out.stderr.strip()}"
                    else:
                        self.help_cache[key] = set(re.findall(r"^\s+--([a-z0-9][a-z0-9-]*)", out.stdout, re.M))
        return self.help_cache[key]

    def executables(self):
        if hasattr(self, "_executables"):
            return self._executables
        names = set()
        for path in glob.glob(os.path.join(self.src, "**", "CMakeLists.txt"), recursive=True):
            if os.path.relpath(path, self.src).startswith("build"):
                continue
            with open(path, errors="replace") as f:
                names.update(re.findall(r"add_executable\(\s*([\w.+-]+)", f.read()))
        self._executables = names
        return names

    def coordinator_written(self):
        return "gridless-coordinator" in self.executables()

    # ---- loading
    def load(self):
        paths = sorted(glob.glob(os.path.join(self.k8s, "**", "*.yaml"), recursive=True))
        if not paths:
            self.error(self.k8s, "no *.yaml manifests found")
        for path in paths:
            try:
                with open(path) as f:
                    docs = [d for d in yaml.safe_load_all(f) if d is not None]
            except yaml.YAMLError as e:
                self.error(path, f"does not parse as YAML: {e}")
                continue
            if os.path.basename(path) == "prometheus-adapter-rules.yaml":
                self.adapter_rules = (path, docs)
                continue
            for doc in docs:
                if not isinstance(doc, dict):
                    self.error(path, "a document is not a mapping")
                    continue
                kind = doc.get("kind")
                if kind in ("Kustomization", "Component"):
                    self.kustomizations[path] = doc
                    continue
                for field in ("apiVersion", "kind"):
                    if not doc.get(field):
                        self.error(path, f"a document has no {field}")
                if not (doc.get("metadata") or {}).get("name"):
                    self.error(path, f"a {kind} has no metadata.name")
                self.docs.append((path, doc))

    def of_kind(self, kind):
        return [(p, d) for p, d in self.docs if d.get("kind") == kind]

    # ---- Dockerfile
    def check_dockerfile(self):
        path = os.path.join(self.k8s, "Dockerfile")
        self.image = None
        self.image_binaries = set()
        if not os.path.isfile(path):
            self.error(path, "missing")
            return
        with open(path) as f:
            text = f.read().replace("\\\n", " ")
        stages = re.split(r"(?im)^FROM\s+", text)[1:]
        if len(stages) < 2:
            self.error(path, "not multi-stage (needs a builder and a runtime stage)")
            return
        for stage in stages:
            base = stage.split()[0]
            if not re.match(r"debian:(12|bookworm)(-slim)?(@|$)", base):
                self.error(path, f"stage base image {base} is not Debian 12")
        runtime = stages[-1]
        for line in re.findall(r"(?im)^RUN\s+(.*)$", runtime):
            for cmd in re.findall(r"apt-get\s+install([^&;|]*)", line):
                m = COMPILERS.search(cmd)
                if m:
                    self.error(path, f"runtime stage installs a compiler or -dev package: {m.group(2)}")
        users = re.findall(r"(?im)^USER\s+(\S+)", runtime)
        if not users or users[-1].split(":")[0] in ("root", "0"):
            self.error(path, "runtime stage does not switch to a non-root USER")
        m = re.search(r'io\.gridless\.image="([^"]+)"', runtime)
        if not m:
            self.error(path, 'runtime stage has no LABEL io.gridless.image="NAME" naming the image')
        else:
            self.image = m.group(1)
        for line in re.findall(r"(?im)^COPY\s+--from=\S+\s+(.*)$", runtime):
            for word in line.split()[:-1]:
                self.image_binaries.add(os.path.basename(word))
        for binary in BINARY_SOURCES:
            if binary not in self.image_binaries:
                self.error(path, f"runtime stage does not copy the {binary} binary")

    # ---- kustomize
    def check_kustomizations(self):
        self.generated_secrets = {}  # name -> set of keys
        for path, doc in self.kustomizations.items():
            base = os.path.dirname(path)
            for field in ("resources", "components"):
                for entry in doc.get(field) or []:
                    target = os.path.normpath(os.path.join(base, entry))
                    if not os.path.exists(target):
                        self.error(path, f"{field} entry {entry} is missing")
                    elif os.path.isdir(target) and not os.path.isfile(os.path.join(target, "kustomization.yaml")):
                        self.error(path, f"{field} entry {entry} has no kustomization.yaml")
            for img in doc.get("images") or []:
                if self.image and img.get("name") != self.image:
                    self.error(path, f"images entry {img.get('name')} is not the Dockerfile's image {self.image}")
            for gen in doc.get("secretGenerator") or []:
                keys = set()
                for entry in gen.get("files") or []:
                    key, _, file = entry.partition("=")
                    if not file:
                        key, file = os.path.basename(entry), entry
                    keys.add(key)
                    target = os.path.join(base, file)
                    if not os.path.exists(target) and not self.gitignored(os.path.dirname(target)):
                        self.error(path, f"secretGenerator file {file} is missing and its directory has no .gitignore keeping it out of git")
                for entry in gen.get("literals") or []:
                    keys.add(entry.partition("=")[0])
                self.generated_secrets.setdefault(gen.get("name"), set()).update(keys)

    @staticmethod
    def gitignored(directory):
        return os.path.isfile(os.path.join(directory, ".gitignore"))

    # ---- workloads
    def secrets(self):
        found = dict(self.generated_secrets)
        for _, d in self.of_kind("Secret"):
            found.setdefault(d["metadata"]["name"], set()).update((d.get("data") or {}).keys(), (d.get("stringData") or {}).keys())
        return found

    def check_workloads(self):
        executables = self.executables()
        pvcs = {d["metadata"]["name"] for _, d in self.of_kind("PersistentVolumeClaim")}
        secrets = self.secrets()
        services = {d["metadata"]["name"]: (p, d) for p, d in self.of_kind("Service")}
        self.pods = {}  # deployment name -> (path, pod template)
        for path, dep in self.of_kind("Deployment") + self.of_kind("StatefulSet"):
            name = dep["metadata"]["name"]
            spec = dep.get("spec") or {}
            tmpl = spec.get("template") or {}
            pod = tmpl.get("spec") or {}
            self.pods[name] = (path, tmpl)
            sel = ((spec.get("selector") or {}).get("matchLabels")) or {}
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            if not sel or any(labels.get(k) != v for k, v in sel.items()):
                self.error(path, f"{name}: spec.selector does not match the pod template labels")
            psc = pod.get("securityContext") or {}
            if not psc.get("runAsNonRoot"):
                self.error(path, f"{name}: pod securityContext.runAsNonRoot is not true")
            volumes = {v["name"]: v for v in pod.get("volumes") or []}
            for c in pod.get("containers") or []:
                self.check_container(path, name, pod, c, volumes, executables, pvcs, secrets, services)
            for vname, v in volumes.items():
                if "secret" in v:
                    sname = v["secret"].get("secretName")
                    if sname not in secrets:
                        self.error(path, f"{name}: volume {vname} uses secret {sname}, which no manifest or secretGenerator defines")
                    else:
                        for item in v["secret"].get("items") or []:
                            if item.get("key") not in secrets[sname]:
                                self.error(path, f"{name}: volume {vname} reads key {item.get('key')} of secret {sname}, which has keys {sorted(secrets[sname])}")
                    mode = v["secret"].get("defaultMode", 0o644)
                    if psc.get("runAsUser", 0) != 0 and not psc.get("fsGroup") and not mode & 0o004:
                        self.error(path, f"{name}: non-root pod reads secret volume {vname} (mode {oct(mode)}) without fsGroup")
                if "persistentVolumeClaim" in v:
                    claim = v["persistentVolumeClaim"].get("claimName")
                    if claim not in pvcs:
                        self.error(path, f"{name}: volume {vname} claims {claim}, but no PersistentVolumeClaim has that name")

    def check_container(self, path, dep, pod, c, volumes, executables, pvcs, secrets, services):
        where = f"{dep}/{c.get('name')}"
        image = c.get("image", "")
        image_name = re.sub(r"(@sha256:.*|:[^/:]+)$", "", image)
        if self.image and image_name != self.image:
            self.error(path, f"{where}: image {image} is not the Dockerfile's image {self.image}")
        argv = list(c.get("command") or []) + list(c.get("args") or [])
        if not argv:
            self.error(path, f"{where}: no command or args")
            return
        binary = os.path.basename(argv[0])
        if binary not in BINARY_SOURCES:
            self.error(path, f"{where}: runs {binary}, which is not a Gridless binary ({', '.join(BINARY_SOURCES)})")
            return
        written = binary in executables
        if not written:
            self.warn(path, f"{where}: no CMakeLists.txt has add_executable({binary} ...) yet; "
                      "its flags cannot be checked against its sources")
        if binary not in self.image_binaries:
            self.error(path, f"{where}: runs {binary}, which the Dockerfile does not copy into the image")
        flags = self.parse_flags(argv[1:])
        if self.bin:
            known = self.help_flags(binary, argv)
            if isinstance(known, str):
                self.error(path, f"{where}: cannot list the flags of {binary}: {known}")
                known = None
            for flag in flags if known is not None else ():
                if flag not in known:
                    self.error(path, f"{where}: flag --{flag} is not a flag of {binary} (its --help does not list it)")
        else:
            src = self.sources(BINARY_SOURCES[binary])
            for flag in flags:
                if f'"{flag}"' in src or not written:
                    continue
                self.error(path, f"{where}: flag --{flag} is not a flag of {binary} (no \"{flag}\" in {', '.join(BINARY_SOURCES[binary])}/)")
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
        numbers = set(ports.values())
        for flag, port_name in (("listen", "grpc"), ("http", "http")):
            if flag in flags:
                port = int(flags[flag].rsplit(":", 1)[-1])
                if ports.get(port_name) != port:
                    self.error(path, f"{where}: --{flag} port {port} is not the containerPort named {port_name} ({ports.get(port_name)})")
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            p = c.get(probe)
            if not p:
                continue
            get = p.get("httpGet") or {}
            port = get.get("port")
            if port not in ports and port not in numbers:
                self.error(path, f"{where}: {probe} port {port} is not a container port ({ports})")
            if get.get("path") and self.coordinator_written():
                coord = self.sources(["coordinator"])
                if f'"{get["path"]}"' not in coord:
                    self.error(path, f"{where}: {probe} path {get['path']} is not served by the coordinator (not in coordinator/ sources)")
        if dep and binary == "gridless-coordinator":
            for probe in ("readinessProbe", "livenessProbe"):
                if not c.get(probe):
                    self.error(path, f"{where}: the coordinator needs a {probe}")
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if r not in (res.get(part) or {}):
                    self.error(path, f"{where}: resources.{part}.{r} is missing")
        mounts = {m.get("name"): m for m in c.get("volumeMounts") or []}
        for mname in mounts:
            if mname not in volumes:
                self.error(path, f"{where}: volumeMount {mname} has no volume of that name")
        self.check_file_flag(path, where, flags, "token-file", mounts, volumes, "secret")
        self.check_file_flag(path, where, flags, "journal", mounts, volumes, "persistentVolumeClaim")
        if "slots" in flags:
            cpu = str(((res.get("requests") or {}).get("cpu")) or "")
            if cpu and not cpu.endswith("m") and float(cpu) != float(flags["slots"]):
                self.warn(path, f"{where}: --slots {flags['slots']} differs from the CPU request {cpu}")
        if binary == "gridless-worker":
            grace = pod.get("terminationGracePeriodSeconds")
            if not isinstance(grace, int) or grace < 30:
                self.error(path, f"{where}: workers need terminationGracePeriodSeconds >= 30 to drain on SIGTERM (got {grace})")
            if "idle-exit" in flags and flags["idle-exit"] not in ("0",):
                self.error(path, f"{where}: --idle-exit in a Deployment makes Kubernetes restart idle workers; scale with the autoscaler instead")
            target = flags.get("coordinator", "")
            host, _, port = target.rpartition(":")
            svc_name = host.split(".")[0]
            if svc_name not in services:
                self.error(path, f"{where}: --coordinator {target} names no Service (have {sorted(services)})")
            else:
                spath, svc = services[svc_name]
                sports = [p for p in (svc.get("spec") or {}).get("ports") or [] if str(p.get("port")) == port]
                if not sports:
                    self.error(path, f"{where}: --coordinator port {port} is not a port of Service {svc_name}")
                else:
                    self.worker_service_port = (path, where, svc_name, sports[0])

    def check_file_flag(self, path, where, flags, flag, mounts, volumes, vtype):
        if flag not in flags:
            return
        value = flags[flag]
        for m in mounts.values():
            mp = m.get("mountPath", "").rstrip("/") + "/"
            if value.startswith(mp) and vtype in (volumes.get(m.get("name")) or {}):
                rest = value[len(mp):]
                v = volumes[m["name"]]
                if vtype == "secret":
                    files = [i.get("path") for i in v["secret"].get("items") or []] or None
                    if files is not None and rest not in files:
                        self.error(path, f"{where}: --{flag} {value}: the secret volume {m['name']} holds {files}, not {rest}")
                return
        self.error(path, f"{where}: --{flag} {value} is not inside a mounted {vtype} volume")

    @staticmethod
    def parse_flags(args):
        flags = {}
        i = 0
        while i < len(args):
            a = str(args[i])
            if a.startswith("--"):
                name, eq, value = a[2:].partition("=")
                if not eq and i + 1 < len(args) and not str(args[i + 1]).startswith("--"):
                    value = str(args[i + 1])
                    i += 1
                flags[name] = value
            i += 1
        return flags

    # ---- the shared data volume
    def check_shared_volume(self):
        rwx = {d["metadata"]["name"]: p for p, d in self.of_kind("PersistentVolumeClaim")
               if "ReadWriteMany" in ((d.get("spec") or {}).get("accessModes") or [])}
        hint = ("loan tapes and map-reduce stores must live on a volume the coordinator and every worker "
                "mount at the same path (docs/DEPLOY.md)")
        if not rwx:
            self.error(self.k8s, f"shared volume: no PersistentVolumeClaim has accessModes ReadWriteMany; {hint}")
            return
        # (claim, mountPath, readOnly) of each Gridless container's RWX mounts.
        found = {"gridless-coordinator": [], "gridless-worker": []}
        for dep, (path, tmpl) in sorted(self.pods.items()):
            pod = tmpl.get("spec") or {}
            volumes = {v["name"]: v for v in pod.get("volumes") or []}
            for c in pod.get("containers") or []:
                argv = list(c.get("command") or []) + list(c.get("args") or [])
                binary = os.path.basename(str(argv[0])) if argv else ""
                if binary not in found:
                    continue
                shared = []
                for m in c.get("volumeMounts") or []:
                    claim = ((volumes.get(m.get("name")) or {}).get("persistentVolumeClaim") or {}).get("claimName")
                    if claim in rwx:
                        shared.append((claim, m.get("mountPath", "").rstrip("/"), bool(m.get("readOnly"))))
                found[binary].append((path, f"{dep}/{c.get('name')}", shared))
        coord = found["gridless-coordinator"]
        if not coord or not found["gridless-worker"]:
            return  # no coordinator or no worker to compare (checked elsewhere)
        cpath, cwhere, cshared = coord[0]
        if not cshared:
            self.error(cpath, f"{cwhere}: mounts no ReadWriteMany claim ({sorted(rwx)}) as the shared volume; {hint}")
            return
        for claim, mount, ro in cshared:
            if ro:
                self.error(cpath, f"{cwhere}: shared volume {claim} at {mount} is readOnly; jobs write their outputs there")
        for wpath, wwhere, wshared in found["gridless-worker"]:
            if not wshared:
                self.error(wpath, f"{wwhere}: mounts no ReadWriteMany claim; the coordinator mounts the shared volume "
                           f"{cshared[0][0]} at {cshared[0][1]}; {hint}")
                continue
            for claim, mount, ro in cshared:
                if (claim, mount) not in [(c, m) for c, m, _ in wshared]:
                    self.error(wpath, f"{wwhere}: does not mount shared volume {claim} at {mount} as the coordinator "
                               f"does (it mounts {[(c, m) for c, m, _ in wshared]}): the same path must name the same files")
            for claim, mount, ro in wshared:
                if ro:
                    self.error(wpath, f"{wwhere}: shared volume {claim} at {mount} is readOnly; map tasks write the store there")

    # ---- services, PDBs, autoscalers, metrics
    def pod_for_selector(self, selector):
        for name, (path, tmpl) in self.pods.items():
            labels = (tmpl.get("metadata") or {}).get("labels") or {}
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                return name, tmpl
        return None, None

    def check_services(self):
        for path, svc in self.of_kind("Service"):
            name = svc["metadata"]["name"]
            dep, tmpl = self.pod_for_selector((svc.get("spec") or {}).get("selector") or {})
            if not dep:
                self.error(path, f"Service {name}: selector matches no Deployment's pods")
                continue
            cports = {}
            for c in tmpl["spec"].get("containers") or []:
                for p in c.get("ports") or []:
                    cports[p.get("name")] = p.get("containerPort")
            for p in (svc.get("spec") or {}).get("ports") or []:
                t = p.get("targetPort", p.get("port"))
                if t not in cports and t not in cports.values():
                    self.error(path, f"Service {name}: targetPort {t} is not a container port of {dep} ({cports})")
                elif getattr(self, "worker_service_port", None) and self.worker_service_port[3] is p:
                    target = cports.get(t, t)
                    if cports.get("grpc") != target:
                        wpath, where, _, _ = self.worker_service_port
                        self.error(wpath, f"{where}: --coordinator reaches port {target} of {dep}, not its grpc port")

    def check_pdbs(self):
        for path, pdb in self.of_kind("PodDisruptionBudget"):
            sel = ((pdb.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
            if not self.pod_for_selector(sel)[0]:
                self.error(path, f"PodDisruptionBudget {pdb['metadata']['name']}: selector {sel} matches no Deployment's pods")

    def check_scalers(self):
        workloads = set(self.pods)
        for kind in ("ScaledObject", "HorizontalPodAutoscaler"):
            for path, obj in self.of_kind(kind):
                ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
                if ref.get("name") not in workloads:
                    self.error(path, f"{kind} {obj['metadata']['name']}: scaleTargetRef {ref.get('name')} is not a Deployment")
        # Every gridless_* metric name in any manifest must be exported.
        coord = self.sources(["coordinator"])
        for path in sorted(glob.glob(os.path.join(self.k8s, "**", "*.yaml"), recursive=True)):
            with open(path) as f:
                text = "\n".join(l for l in f.read().splitlines() if not l.lstrip().startswith("#"))
            for metric in sorted(set(re.findall(r"\bgridless_[a-z0-9_]+\b", text))):
                if not self.coordinator_written():
                    self.warn(path, f"gridless-coordinator is not a CMake executable yet; cannot check metric {metric}")
                elif not re.search(r"\b" + metric + r"\b", coord):
                    self.error(path, f"metric {metric} is not exported by the coordinator (not in coordinator/ sources)")

    def run(self):
        self.load()
        self.check_dockerfile()
        self.check_kustomizations()
        self.check_workloads()
        self.check_shared_volume()
        self.check_services()
        self.check_pdbs()
        self.check_scalers()
        return not self.errors


def check(k8s_dir, src_dir, quiet=False, bin_dir=None):
    c = Checker(k8s_dir, src_dir, bin_dir)
    ok = c.run()
    if not quiet:
        for w in c.warnings:
            print(f"warning: {w}")
        for e in c.errors:
            print(f"error: {e}")
        n = len(c.docs) + len(c.kustomizations)
        print(f"{'OK' if ok else 'FAILED'}: {n} documents, {len(c.errors)} errors, {len(c.warnings)} warnings")
    return c


# ---- self-test: break a copy in one way at a time; each must be caught.
MUTATIONS = [
    ("wrong image", "base/worker-deployment.yaml", "image: gridless/gridless", "image: gridless/gridles", "image"),
    ("Service targetPort", "base/coordinator-service.yaml", "targetPort: grpc", "targetPort: grcp", "targetPort"),
    ("probe port", "base/coordinator-deployment.yaml", "port: http\n            periodSeconds: 5", "port: 8080\n            periodSeconds: 5", "readinessProbe port"),
    ("secret key", "base/worker-deployment.yaml", "- key: token", "- key: tokn", "key tokn"),
    ("secret name", "base/worker-deployment.yaml", "secretName: gridless-token", "secretName: gridless-tokn", "gridless-tokn"),
    ("metric name", "components/keda/worker-scaledobject.yaml", "max(gridless_desired_workers)", "max(gridless_desired_worker)", "metric gridless_desired_worker "),
    ("unknown flag", "base/worker-deployment.yaml", "--slots=2", "--slot=2", "--slot "),
    ("listen port", "base/coordinator-deployment.yaml", "--listen=0.0.0.0:7070", "--listen=0.0.0.0:7075", "--listen port 7075"),
    ("PVC name", "base/coordinator-deployment.yaml", "claimName: gridless-journal", "claimName: gridless-jornal", "PersistentVolumeClaim"),
    ("compiler in runtime", "Dockerfile", "install -y -q --no-install-recommends tini", "install -y -q --no-install-recommends g++ tini", "compiler"),
    ("root runtime", "Dockerfile", "USER 10001:10001", "USER root", "non-root"),
    ("binary not copied", "Dockerfile", "/out/bin/gridless-worker /usr/local/bin/", "/usr/local/bin/", "gridless-worker"),
    ("coordinator Service", "base/worker-deployment.yaml", "--coordinator=gridless-coordinator:7070", "--coordinator=gridless-coordinater:7070", "names no Service"),
    ("coordinator port", "base/worker-deployment.yaml", "--coordinator=gridless-coordinator:7070", "--coordinator=gridless-coordinator:7071", "not its grpc port"),
    ("missing limits", "base/worker-deployment.yaml", "limits:", "limitz:", "limits.cpu"),
    ("missing resource file", "base/kustomization.yaml", "- worker-pdb.yaml", "- worker-pdbs.yaml", "missing"),
    ("PDB selector", "base/worker-pdb.yaml", "matchLabels:\n      app.kubernetes.io/name: gridless-worker", "matchLabels:\n      app.kubernetes.io/name: gridless-wrker", "selector"),
    ("token path", "base/worker-deployment.yaml", "--token-file=/etc/gridless/token/token", "--token-file=/etc/gridless/tokn/token", "--token-file"),
    ("no grace period", "base/worker-deployment.yaml", "terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 5", "terminationGracePeriodSeconds"),
    ("scale target", "components/keda/worker-scaledobject.yaml", "    name: gridless-worker\n  minReplicaCount", "    name: gridless-workers\n  minReplicaCount", "scaleTargetRef"),
    ("image in kustomization", "overlays/example/kustomization.yaml", "- name: gridless/gridless", "- name: gridless/grid", "images entry"),
    ("not YAML", "base/coordinator-pvc.yaml", "accessModes: [\"ReadWriteOnce\"]", "accessModes: [\"ReadWriteOnce\"", "parse"),
    ("unknown binary", "base/worker-deployment.yaml", "- gridless-worker\n", "- gridless-wrker\n", "not a Gridless binary"),
    ("shared claim not RWX", "base/shared-pvc.yaml", "accessModes: [\"ReadWriteMany\"]", "accessModes: [\"ReadWriteOnce\"]", "ReadWriteMany"),
    ("worker shared path", "base/worker-deployment.yaml", "- name: shared\n              mountPath: /data", "- name: shared\n              mountPath: /shared", "does not mount shared volume gridless-shared at /data"),
    ("worker not on the shared claim", "base/worker-deployment.yaml", "claimName: gridless-shared", "claimName: gridless-journal", "mounts no ReadWriteMany claim"),
    ("coordinator shared path", "base/coordinator-deployment.yaml", "- name: shared\n              mountPath: /data", "- name: shared\n              mountPath: /srv/data", "does not mount shared volume gridless-shared at /srv/data"),
    ("worker shared read-only", "base/worker-deployment.yaml", "- name: shared\n              mountPath: /data", "- name: shared\n              mountPath: /data\n              readOnly: true", "readOnly"),
    ("healthz path", "base/coordinator-deployment.yaml", "path: /healthz\n              port: http\n            periodSeconds: 5", "path: /health\n              port: http\n            periodSeconds: 5", "/health "),
]


FAKE_FLAGS = {
    "gridless-coordinator": ["listen", "http", "lease-timeout", "token-file", "journal"],
    "gridless-worker": ["coordinator", "slots", "idle-exit", "connect-timeout", "token-file"],
}


def fake_binaries(root):
    """Scripts printing a --help like the real binaries', for the --bin
    mode of the self-test."""
    os.makedirs(root, exist_ok=True)
    for binary, flags in FAKE_FLAGS.items():
        path = os.path.join(root, binary)
        with open(path, "w") as f:
            f.write("#!/bin/sh\ncat <<'EOF'\nusage: %s [flags]\n%sEOF\n" % (
                binary, "".join(f"  --{flag} VALUE  help\n" for flag in flags)))
        os.chmod(path, 0o755)


def fake_sources(root):
    """A minimal source tree with the agreed flags and metrics, so the
    self-test does not depend on how far the real sources have come."""
    files = {
        "coordinator/CMakeLists.txt": "add_executable(gridless-coordinator main.cc)\n",
        "coordinator/main.cc": "\n".join(f'flags.String("{f}", ...);' for f in FAKE_FLAGS["gridless-coordinator"])
        + '\n"/healthz" "/metrics" gridless_queue_depth gridless_desired_workers gridless_running_tasks\n',
        "worker/CMakeLists.txt": "add_executable(gridless-worker main.cc)\n",
        "worker/main.cc": "\n".join(f'flags.Int("{f}", ...);' for f in FAKE_FLAGS["gridless-worker"]),
        "cli/CMakeLists.txt": "add_executable(gridless main.cc)\n",
        "cli/main.cc": '"coordinator"\n',
    }
    for rel, text in files.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)


def self_test(k8s_dir):
    failures = 0
    with tempfile.TemporaryDirectory(prefix="gridless-k8s-check.") as tmp:
        src = os.path.join(tmp, "src")
        fake_sources(src)
        fake_bin = os.path.join(tmp, "bin")
        fake_binaries(fake_bin)
        base = os.path.join(tmp, "pristine")
        shutil.copytree(k8s_dir, base)
        c = check(base, src, quiet=True)
        c.errors += check(base, src, quiet=True, bin_dir=fake_bin).errors
        if c.errors or c.warnings:
            print("self-test: the pristine copy does not pass cleanly against the agreed interfaces:")
            for m in c.errors + c.warnings:
                print(f"  {m}")
            return False
        for name, rel, old, new, expect in MUTATIONS:
            work = os.path.join(tmp, "broken")
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(k8s_dir, work)
            path = os.path.join(work, rel)
            with open(path) as f:
                text = f.read()
            if old not in text:
                print(f"self-test: {name}: cannot apply the mutation (text {old!r} not in {rel})")
                failures += 1
                continue
            with open(path, "w") as f:
                f.write(text.replace(old, new, 1))
            for mode, bin_dir in (("sources", None), ("--help", fake_bin)):
                c = check(work, src, quiet=True, bin_dir=bin_dir)
                hits = [e for e in c.errors if expect in e]
                if not hits:
                    print(f"self-test: {name} ({mode}): NOT caught (expected an error containing {expect!r}; got {c.errors})")
                    failures += 1
                else:
                    print(f"self-test: {name} ({mode}): caught: {hits[0]}")
    print(f"self-test: {2 * len(MUTATIONS) - failures} passed, {failures} failed")
    return failures == 0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=os.path.dirname(here), help="repository root (default: this script's ..)")
    ap.add_argument("--k8s", help="manifest directory (default: SRC/deploy/kubernetes)")
    ap.add_argument("--bin", help="directory of the built binaries: check flags against their --help output")
    ap.add_argument("--self-test", action="store_true", help="also prove the checker catches deliberate breakage")
    args = ap.parse_args()
    k8s = args.k8s or os.path.join(args.src, "deploy", "kubernetes")
    ok = not check(k8s, args.src, bin_dir=args.bin).errors
    if args.self_test:
        ok = self_test(k8s) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
