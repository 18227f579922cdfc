"""Checks for tests/integration/endpoint.sh that need a real parser.

  endpoint_check.py answer FILE EXPR...   the JSON answer in FILE: each EXPR
                                          (a Python expression over `a`) holds
  endpoint_check.py metrics FILE NAME=VALUE...
                                          FILE is Prometheus text; parsed by
                                          prometheus_client's own parser; every
                                          sample NAME{labels} has VALUE; names
                                          follow the conventions
  endpoint_check.py logs FILE SECRET...   every line of FILE is a JSON object
                                          with ts, level, msg; no SECRET occurs
Exits 1 with a message on the first failure.
"""
import json
import re
import sys


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def answer(path, exprs):
    with open(path) as f:
        text = f.read()
    try:
        a = json.loads(text)
    except ValueError as e:
        fail("%s: not JSON (%s): %r" % (path, e, text[:300]))
    for e in exprs:
        if not eval(e, {"a": a}):
            fail("answer %s: %s does not hold" % (json.dumps(a)[:600], e))


def metrics(path, wants):
    from prometheus_client.parser import text_string_to_metric_families

    with open(path) as f:
        text = f.read()
    samples = {}
    for fam in text_string_to_metric_families(text):
        if not fam.name.startswith("tend_"):
            fail("metric %s: not under tend_" % fam.name)
        if fam.type == "counter":
            # the parser strips _total from a counter family's name
            if not any(s.name.endswith("_total") for s in fam.samples) and fam.samples:
                fail("counter %s: samples without _total" % fam.name)
        elif fam.name.endswith("_total"):
            fail("%s %s: only counters end in _total" % (fam.type, fam.name))
        if fam.type == "histogram" and not fam.name.endswith("_seconds"):
            fail("histogram %s: durations are _seconds" % fam.name)
        for s in fam.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            key = s.name + ("{" + labels + "}" if labels else "")
            samples[key] = s.value
    for w in wants:
        key, value = w.rsplit("=", 1)
        got = samples.get(key)
        if got is None or got != float(value):
            near = [k for k in samples if k.split("{")[0] == key.split("{")[0]]
            fail("metric %s = %s, want %s (have: %s)" % (key, got, value, near))


def logs(path, secrets):
    with open(path) as f:
        lines = f.read().splitlines()
    if not lines:
        fail("%s: no log lines" % path)
    for n, line in enumerate(lines, 1):
        try:
            o = json.loads(line)
        except ValueError:
            fail("%s:%d: not JSON: %r" % (path, n, line))
        for k in ("ts", "level", "msg"):
            if k not in o:
                fail("%s:%d: no %s: %r" % (path, n, k, line))
        if not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", o["ts"]):
            fail("%s:%d: ts %r" % (path, n, o["ts"]))
        for s in secrets:
            if s in line:
                fail("%s:%d: a secret is logged: %r" % (path, n, line))


if __name__ == "__main__":
    cmd, path, rest = sys.argv[1], sys.argv[2], sys.argv[3:]
    {"answer": answer, "metrics": metrics, "logs": logs}[cmd](path, rest)
