"""Export benchmarks for `make bench` (called from tests/bench/__main__.py).

- export_events: every event of every case written as JSON Lines by the bundle's own writer
  (hashed on the way, as in a bundle), beside PostgreSQL's `COPY (SELECT …) TO STDOUT` of
  the same rows in the same order (on SQLite: the same SELECT through a raw cursor).
- export_peak_rss: the peak resident memory of a process that builds a whole bundle of
  every case (cases.csv, events.jsonl, manifest, ZIP on disk), beside the same process
  that loads the same code and does not export.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.bench import ROOT, report

REPEAT = int(os.environ.get("BENCH_EXPORT_REPEAT", "3"))

_CHILD = """
import json, os, resource, sys, time
import django
django.setup()
from requests_app.exports import services
from requests_app.exports.models import Export
work = sys.argv[1] == "export"
elapsed = 0.0
if work:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    user, _ = get_user_model().objects.get_or_create(username="bench-auditor")
    user.groups.set([Group.objects.get(name="auditor")])
    export = Export.objects.create(requested_by=user, filters={}, masked=True, language="ja")
    started = time.perf_counter()
    built = services.export_build(export_id=export.pk)
    elapsed = time.perf_counter() - started
    assert built is not None and built.status == "done", built and built.error
    info = {"cases": built.case_count, "events": built.event_count, "size": built.size}
else:
    info = {}
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mib": peak_kib / 1024, "seconds": elapsed, **info}))
"""


def bench_export_events() -> None:
    from requests_app import audit
    from requests_app.exports.bundle import (
        EVENT_COLUMNS,
        Criteria,
        HashingSink,
        exported_events,
        write_events,
    )

    head_seq, _hash = audit.current_head()
    events = exported_events(Criteria(), head_seq)

    def export_jsonl() -> int:
        with open(os.devnull, "wb") as null:
            sink = HashingSink(null)
            count, _masked, _first, _last = write_events(sink, events, masked=False)
            sink.close()
        return count

    rows = events.values_list(*EVENT_COLUMNS)
    sql, params = rows.query.sql_with_params()

    def database_alone() -> int:
        from django.db import connection

        size = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                    for data in copy:
                        size += len(data)
            else:
                cursor.execute(sql, params)
                while batch := cursor.fetchmany(5000):
                    size += len(batch)
        return size

    count = export_jsonl()
    value = _median_seconds(export_jsonl)
    baseline = _median_seconds(database_alone)
    print(f"export_events: {count} events", flush=True)
    report("export_events", value * 1000, baseline * 1000)


def _median_seconds(action: Any) -> float:
    timings = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return sorted(timings)[len(timings) // 2]


def _child(mode: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var_dir:
        env = {**os.environ, "VAR_DIR": var_dir, "PYTHONPATH": str(ROOT)}
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, mode],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        if result.returncode != 0:
            raise RuntimeError(result.stderr)
        outcome: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        bundles = list(Path(var_dir, "media", "exports").glob("*/*.zip"))
        assert len(bundles) == (1 if mode == "export" else 0), bundles
    return outcome


def bench_export_peak_rss() -> None:
    exported = _child("export")
    idle = _child("idle")
    print(
        f"export_peak_rss: whole bundle of {exported['cases']} cases and {exported['events']} "
        f"events ({exported['size'] / 1e6:.0f} MB ZIP) built in {exported['seconds']:.1f} s",
        flush=True,
    )
    report("export_peak_rss", exported["peak_mib"], idle["peak_mib"], unit="MB")


def run(staff: Any) -> None:
    bench_export_events()
    bench_export_peak_rss()
