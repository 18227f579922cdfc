"""deploy/'s Kubernetes manifests, compose.yaml and Dockerfile, checked
without a cluster or a container engine:

  check_manifests.py TEND TMPDIR

- every YAML document parses (python3-yaml) and passes a JSON schema
  (python3-jsonschema) of the fields tend relies on, per kind;
- the documents agree with each other: probes on /readyz and /healthz at a
  port the container declares; every Secret and ConfigMap referenced is
  defined; the PodDisruptionBudget and the Service select the Deployment's
  pods; CronJob schedules have five fields; containers run as the non-root
  user the Dockerfile creates;
- each container's command is a tend command (`tend help CMD` succeeds;
  `serve` only once it exists);
- the ConfigMap's playbook passes `tend check`;
- compose.yaml: the services, their order (postgres healthy, then the
  migration, then serve), the playbook mounted where TEND_PLAYBOOK says;
- the Dockerfile: a build stage running deploy/build.sh, a Debian slim
  runtime stage that copies the install and runs as a non-root user.
Exits 1 with every problem found.
"""
import glob
import os
import re
import subprocess
import sys

import jsonschema
import yaml

TEND, TMP = sys.argv[1], sys.argv[2]
problems = []


def problem(msg):
    problems.append(msg)


def obj(required, props=None, **kw):
    s = {"type": "object", "required": required, "properties": props or {}}
    s.update(kw)
    return s


STR = {"type": "string", "minLength": 1}
LABELS = {"type": "object", "minProperties": 1, "additionalProperties": {"type": "string"}}
META = obj(["name", "namespace", "labels"], {"name": STR, "namespace": {"const": "tend"}, "labels": LABELS})
PROBE = obj(["httpGet"], {"httpGet": obj(["path", "port"], {"path": STR, "port": {"type": ["string", "integer"]}})})
SEC_CTX = obj(["allowPrivilegeEscalation", "readOnlyRootFilesystem"],
              {"allowPrivilegeEscalation": {"const": False}, "readOnlyRootFilesystem": {"const": True}})
ENV_FROM = {"type": "array", "items": {"oneOf": [obj(["secretRef"], {"secretRef": obj(["name"], {"name": STR})}),
                                                 obj(["configMapRef"], {"configMapRef": obj(["name"], {"name": STR})})]}}
CONTAINER = obj(["name", "image", "args"], {"name": STR, "image": STR, "args": {"type": "array", "minItems": 1,
                "items": {"type": "string"}}, "envFrom": ENV_FROM, "securityContext": SEC_CTX})
POD_SEC = obj(["runAsNonRoot", "runAsUser"], {"runAsNonRoot": {"const": True}, "runAsUser": {"type": "integer",
              "minimum": 1}})
POD = obj(["containers", "securityContext"], {
    "containers": {"type": "array", "minItems": 1, "items": CONTAINER},
    "initContainers": {"type": "array", "items": CONTAINER},
    "securityContext": POD_SEC,
    "volumes": {"type": "array", "items": obj(["name"], {"name": STR})}})
TEMPLATE = obj(["metadata", "spec"], {"metadata": obj(["labels"], {"labels": LABELS}), "spec": POD})
SCHEMAS = {
    ("v1", "Namespace"): obj(["metadata"], {"metadata": obj(["name"], {"name": {"const": "tend"}})}),
    ("v1", "Secret"): obj(["metadata", "type", "stringData"], {"metadata": META, "stringData": {
        "type": "object", "required": ["TEND_DATABASE_URL", "TEND_ENDPOINT_TOKENS"],
        "additionalProperties": {"type": "string"}}}),
    ("v1", "ConfigMap"): obj(["metadata", "data"], {"metadata": META, "data": {
        "type": "object", "additionalProperties": {"type": "string"}}}),
    ("v1", "Service"): obj(["metadata", "spec"], {"metadata": META, "spec": obj(["selector", "ports"], {
        "selector": LABELS, "ports": {"type": "array", "minItems": 1, "items": obj(["port", "targetPort"])}})}),
    ("apps/v1", "Deployment"): obj(["metadata", "spec"], {"metadata": META, "spec": obj(
        ["replicas", "selector", "template"], {"replicas": {"type": "integer", "minimum": 1},
        "selector": obj(["matchLabels"], {"matchLabels": LABELS}), "template": TEMPLATE})}),
    ("policy/v1", "PodDisruptionBudget"): obj(["metadata", "spec"], {"metadata": META, "spec": obj(
        ["selector"], {"selector": obj(["matchLabels"], {"matchLabels": LABELS})},
        oneOf=[{"required": ["minAvailable"]}, {"required": ["maxUnavailable"]}])}),
    ("batch/v1", "CronJob"): obj(["metadata", "spec"], {"metadata": META, "spec": obj(
        ["schedule", "concurrencyPolicy", "jobTemplate"], {"schedule": STR, "concurrencyPolicy": {"const": "Forbid"},
        "jobTemplate": obj(["spec"], {"spec": obj(["template"], {"template": obj(["spec"], {"spec": obj(
            ["restartPolicy"], {"restartPolicy": {"enum": ["Never", "OnFailure"]}}, allOf=[POD])})})})})}),
}
PROBES = obj(["readinessProbe", "livenessProbe", "ports"], {"readinessProbe": PROBE, "livenessProbe": PROBE})

docs = []
for path in sorted(glob.glob("deploy/kubernetes/*.yaml")):
    try:
        for d in yaml.safe_load_all(open(path)):
            if d is not None:
                docs.append((path, d))
    except yaml.YAMLError as e:
        problem("%s: does not parse: %s" % (path, e))

by_kind = {}
for path, d in docs:
    key = (d.get("apiVersion"), d.get("kind"))
    where = "%s: %s %s" % (path, d.get("kind"), (d.get("metadata") or {}).get("name"))
    if key not in SCHEMAS:
        problem("%s: no schema for %s" % (where, key))
        continue
    for e in jsonschema.Draft7Validator(SCHEMAS[key]).iter_errors(d):
        problem("%s: %s: %s" % (where, "/".join(map(str, e.absolute_path)) or "(top)", e.message))
    by_kind.setdefault(d["kind"], []).append(d)

for kind in ("Namespace", "Secret", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "CronJob"):
    if kind not in by_kind:
        problem("no %s in deploy/kubernetes" % kind)
if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)

names = {k: {d["metadata"]["name"] for d in by_kind.get(k, [])} for k in ("Secret", "ConfigMap")}
dockerfile = open("deploy/Dockerfile").read()
m = re.search(r"^USER (\d+)", dockerfile, re.M)
image_uid = int(m.group(1)) if m else None


def commands_ok(where, args):
    cmd = args[0]
    r = subprocess.run([TEND, "help", cmd], capture_output=True)
    if r.returncode != 0:
        if cmd == "serve":
            print("note: %s runs `tend serve`, which this tend does not have yet" % where)
        else:
            problem("%s: `tend %s` is not a tend command" % (where, cmd))


def check_pod(where, spec, labels=None):
    if spec["securityContext"]["runAsUser"] != image_uid:
        problem("%s: runAsUser %s, the image's user is %s" % (where, spec["securityContext"]["runAsUser"], image_uid))
    vols = {v["name"]: v for v in spec.get("volumes", [])}
    for v in vols.values():
        if "configMap" in v and v["configMap"]["name"] not in names["ConfigMap"]:
            problem("%s: volume %s: no ConfigMap %s" % (where, v["name"], v["configMap"]["name"]))
    for c in spec.get("initContainers", []) + spec["containers"]:
        cw = "%s container %s" % (where, c["name"])
        commands_ok(cw, c["args"])
        for ref in c.get("envFrom", []):
            for k, kind in (("secretRef", "Secret"), ("configMapRef", "ConfigMap")):
                if k in ref and ref[k]["name"] not in names[kind]:
                    problem("%s: no %s %s" % (cw, kind, ref[k]["name"]))
        for vm in c.get("volumeMounts", []):
            if vm["name"] not in vols:
                problem("%s: mounts %s, not a volume" % (cw, vm["name"]))


for d in by_kind["Deployment"]:
    where = "Deployment %s" % d["metadata"]["name"]
    spec = d["spec"]
    sel = spec["selector"]["matchLabels"]
    tl = spec["template"]["metadata"]["labels"]
    if any(tl.get(k) != v for k, v in sel.items()):
        problem("%s: the selector does not match the pod labels" % where)
    check_pod(where, spec["template"]["spec"])
    main = spec["template"]["spec"]["containers"][0]
    for e in jsonschema.Draft7Validator(PROBES).iter_errors(main):
        problem("%s: %s" % (where, e.message))
    ports = {p.get("name"): p["containerPort"] for p in main.get("ports", [])}
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        hg = main.get(probe, {}).get("httpGet", {})
        if hg.get("path") != path:
            problem("%s: %s on %s, want %s" % (where, probe, hg.get("path"), path))
        port = hg.get("port")
        if port not in ports and port not in ports.values():
            problem("%s: %s on port %s, not a container port" % (where, probe, port))
    listen = [a for a in main["args"] if re.match(r"^[0-9.]*:\d+$", a)]
    if not listen or int(listen[0].split(":")[1]) not in ports.values():
        problem("%s: --listen %s is not the container port %s" % (where, listen, list(ports.values())))
    for pdb in by_kind["PodDisruptionBudget"]:
        if pdb["spec"]["selector"]["matchLabels"] != sel:
            problem("PodDisruptionBudget %s: does not select %s's pods" % (pdb["metadata"]["name"], where))
    for svc in by_kind["Service"]:
        if any(tl.get(k) != v for k, v in svc["spec"]["selector"].items()):
            problem("Service %s: does not select %s's pods" % (svc["metadata"]["name"], where))
        for p in svc["spec"]["ports"]:
            if p["targetPort"] not in ports and p["targetPort"] not in ports.values():
                problem("Service %s: targetPort %s is not a container port" % (svc["metadata"]["name"], p["targetPort"]))

for d in by_kind["CronJob"]:
    where = "CronJob %s" % d["metadata"]["name"]
    if len(d["spec"]["schedule"].split()) != 5:
        problem("%s: schedule %r is not five fields" % (where, d["spec"]["schedule"]))
    check_pod(where, d["spec"]["jobTemplate"]["spec"]["template"]["spec"])

# The ConfigMap's playbook loads and validates.
for cm in by_kind["ConfigMap"]:
    lua = {k: v for k, v in cm["data"].items() if k.endswith(".lua")}
    if not lua:
        continue
    pb = os.path.join(TMP, cm["metadata"]["name"])
    os.makedirs(pb, exist_ok=True)
    for k, v in lua.items():
        open(os.path.join(pb, k), "w").write(v)
    r = subprocess.run([TEND, "check", pb], capture_output=True, text=True)
    if r.returncode != 0:
        problem("ConfigMap %s: tend check fails: %s" % (cm["metadata"]["name"], r.stdout + r.stderr))

# compose.yaml
compose = yaml.safe_load(open("deploy/compose.yaml"))
svc = compose.get("services", {})
for s in ("postgres", "migrate", "tend"):
    if s not in svc:
        problem("compose.yaml: no service %s" % s)
if not problems:
    if svc["migrate"].get("depends_on", {}).get("postgres", {}).get("condition") != "service_healthy":
        problem("compose.yaml: migrate does not wait for a healthy postgres")
    if svc["tend"].get("depends_on", {}).get("migrate", {}).get("condition") != "service_completed_successfully":
        problem("compose.yaml: tend does not wait for the migration")
    if "healthcheck" not in svc["postgres"]:
        problem("compose.yaml: postgres has no healthcheck")
    env = svc["tend"].get("environment", {})
    mounts = [v.split(":")[1] for v in svc["tend"].get("volumes", [])]
    if env.get("TEND_PLAYBOOK") not in mounts:
        problem("compose.yaml: TEND_PLAYBOOK %s is not a mounted volume %s" % (env.get("TEND_PLAYBOOK"), mounts))
    for s in ("migrate", "tend"):
        if "TEND_DATABASE_URL" not in svc[s].get("environment", {}):
            problem("compose.yaml: %s has no TEND_DATABASE_URL" % s)
        commands_ok("compose.yaml %s" % s, svc[s]["command"])
    b = svc["migrate"].get("build", {})
    if not os.path.isfile(os.path.join("deploy", b.get("context", "."), b.get("dockerfile", ""))):
        problem("compose.yaml: the build's Dockerfile is not there")
    if not any(re.search(r"\$\{TEND_DB_PASSWORD", v) for v in svc["postgres"]["environment"].values()):
        problem("compose.yaml: the database password is written in the file")

# Dockerfile
stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?$", dockerfile, re.M)
if len(stages) < 2 or stages[0][1] != "build":
    problem("Dockerfile: expected a build stage then a runtime stage: %s" % stages)
elif not all(s[0].startswith("debian:") for s in stages) or "slim" not in stages[-1][0]:
    problem("Dockerfile: expected Debian stages and a slim runtime: %s" % stages)
runtime = dockerfile[dockerfile.rindex("\nFROM "):]
if not re.search(r"^RUN bash deploy/build.sh /out", dockerfile, re.M):
    problem("Dockerfile: the build stage does not run deploy/build.sh")
if "runtime-packages.txt" not in runtime or "COPY --from=build /out/usr/local/" not in runtime:
    problem("Dockerfile: the runtime stage does not install build.sh's packages and install tree")
if image_uid in (None, 0):
    problem("Dockerfile: the runtime stage does not run as a non-root user")
if '"/usr/local/bin/tend"' not in runtime:
    problem("Dockerfile: ENTRYPOINT is not the installed tend")

if problems:
    print("\n".join("FAIL: " + p for p in problems))
    sys.exit(1)
print("ok: %d Kubernetes documents, compose.yaml, Dockerfile" % len(docs))
