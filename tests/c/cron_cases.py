#!/usr/bin/env python3
"""Writes tests/c/cron_cases.h: expected next occurrences of cron expressions
in IANA zones around daylight-saving changes, computed independently of
tend's C code: expressions by a separate, brute-force reading of Vixie cron
(every day and time checked), instants by Python's zoneinfo, where a wall
time built with fold=0 is exactly tend's rule (a repeated wall time at its
first instant, a skipped one read with the offset before the change, i.e.
shifted forward by the gap).

    python3 tests/c/cron_cases.py > tests/c/cron_cases.h

Read the diff before committing; test_cron.c compares tend with it.

    python3 tests/c/cron_cases.py --all-zones build/tend

compares `tend cron next` with the same computation in every zone the
system's tzdata has, hourly and daily for 40 days from five starts between
1975 and 2091 (past the last transition of every file: the footer's TZ
rule); it prints each mismatch and exits 1 if there is one (minutes)."""
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

NAMES = {3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
         4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]}
RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
MACROS = {"@yearly": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
          "@daily": "0 0 * * *", "@hourly": "0 * * * *"}


def value(i, s):
    if s.isdigit():
        return int(s)
    return NAMES[i].index(s.lower()) + RANGES[i][0]


def field(i, text):
    lo_all, hi_all = RANGES[i]
    out = set()
    for item in text.split(","):
        part, _, step = item.partition("/")
        step = int(step) if step else 1
        if part == "*":
            lo, hi = lo_all, hi_all
        elif "-" in part:
            lo, hi = (value(i, p) for p in part.split("-"))
        else:
            lo = hi = value(i, part)
        out.update(range(lo, hi + 1, step))
    if i == 4 and 7 in out:
        out.add(0)
    return out, text.startswith("*")


def matcher(expr):
    expr = MACROS.get(expr, expr)
    f = [field(i, t) for i, t in enumerate(expr.split())]
    (mins, _), (hours, _), (doms, dom_star), (months, _), (dows, dow_star) = f

    def day_ok(d):
        dom, dow = d.day in doms, (d.isoweekday() % 7) in dows
        return (dom and dow) if (dom_star or dow_star) else (dom or dow)
    return mins, hours, months, day_ok


def occurrences(expr, zone, start_utc, count):
    mins, hours, months, day_ok = matcher(expr)
    z = ZoneInfo(zone)
    found = set()
    day = (start_utc.astimezone(z) - timedelta(days=2)).date()
    while True:
        if day.month in months and day_ok(day):
            for h in sorted(hours):
                for m in sorted(mins):
                    t = datetime(day.year, day.month, day.day, h, m, tzinfo=z, fold=0)
                    if t.timestamp() > start_utc.timestamp():
                        found.add(int(t.timestamp()))
        # every wall time of the next two days lands after the instants so far
        ok = sorted(found)
        if len(ok) >= count and datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() \
                - 2 * 86400 > ok[count - 1]:
            return [datetime.fromtimestamp(s, z).isoformat() for s in ok[:count]]
        day += timedelta(days=1)


EXPRS = ["0 2 * * *", "30 2 * * *", "30 1 * * *", "45 1 * * *", "15 2 * * *", "0 0 * * *", "30 0 * * *",
         "*/15 * * * *", "0 * * * *", "0 9 1 * mon", "0 9 */2 * mon", "0 9 13 * fri", "0 12 * * 7",
         "5-10/5 8-18/5 * * mon-fri", "0 3 * mar,oct sun", "@hourly", "@daily", "@weekly", "@monthly", "@yearly",
         "0 0 29 2 *"]

# (zone, UTC instants to start from: just before a change of offset)
ZONES = [
    ("UTC", ["2026-03-07T12:00:00", "2026-12-31T22:00:00"]),
    ("America/Sao_Paulo", ["2018-11-03T12:00:00", "2018-11-04T02:10:00", "2019-02-16T12:00:00",
                           "2019-02-17T01:10:00", "2026-06-01T00:00:00"]),
    ("America/New_York", ["2026-03-07T12:00:00", "2026-03-08T06:10:00", "2026-10-31T12:00:00",
                          "2026-11-01T04:40:00",
                          # after the last transition in the file: the footer's TZ rule
                          "2091-03-10T12:00:00", "2091-03-11T06:10:00", "2091-11-04T04:40:00"]),
    ("Europe/London", ["2026-03-28T12:00:00", "2026-03-29T00:20:00", "2026-10-24T12:00:00",
                       "2026-10-24T23:40:00"]),
    ("Australia/Lord_Howe", ["2026-04-04T00:00:00", "2026-04-04T14:10:00", "2026-10-03T00:00:00",
                             "2026-10-03T15:10:00", "2091-10-06T15:10:00"]),
    ("Asia/Kathmandu", ["1985-12-31T12:00:00", "1985-12-31T18:10:00", "2026-03-07T12:00:00"]),
]
COUNT = 6


def all_zones(tend):
    import subprocess
    import zoneinfo
    bad = 0
    zones = [z for z in sorted(zoneinfo.available_timezones()) if not z.startswith(("right/", "posix/"))]
    for zone in zones:
        for start in ["1975-03-01T00:00:00", "2026-03-01T00:00:00", "2026-10-01T00:00:00",
                      "2091-03-01T00:00:00", "2091-10-01T00:00:00"]:
            s = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
            for expr, n in (("30 * * * *", 24 * 40), ("0 2 * * *", 40)):
                want = occurrences(expr, zone, s, n)
                got = subprocess.run([tend, "cron", "next", expr, "--tz", zone, "--from", start + "Z",
                                      "--count", str(n)], capture_output=True, text=True).stdout.split()
                if got != want:
                    bad += 1
                    i = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
                    print(f'{zone} from {start}Z "{expr}": #{i + 1} is {got[i] if i < len(got) else "missing"}, '
                          f'want {want[i] if i < len(want) else "nothing"}')
    print(f"{len(zones)} zones, {bad} mismatches")
    return 1 if bad else 0


def main():
    print("/* Generated by tests/c/cron_cases.py (Python zoneinfo); do not edit. */")
    print("static const struct cron_case {\n    const char *expr, *zone, *from;\n"
          f"    const char *want[{COUNT}];\n}} cron_cases[] = {{")
    for zone, starts in ZONES:
        for start in starts:
            s = datetime.fromisoformat(start).replace(tzinfo=timezone.utc)
            for expr in EXPRS:
                want = occurrences(expr, zone, s, COUNT)
                print(f'    {{"{expr}", "{zone}", "{start}Z",\n     {{' +
                      ", ".join(f'"{w}"' for w in want) + "}},")
    print("};")


if len(sys.argv) == 3 and sys.argv[1] == "--all-zones":
    sys.exit(all_zones(sys.argv[2]))
main()
