"""Queueing by task name works in every process, not only in a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What a web process (gunicorn, runserver) has done before its first request queues a task:
# Django is set up and the URLs are loaded, but no tasks module was ever imported.
WEB_PROCESS = """
import sys
import django
django.setup()
from django.urls import resolve
resolve("/cases/")
from requests_app import queue
ours = ("requests_app", "identity")
assert not [name for name in sys.modules if name.endswith("tasks") and name.startswith(ours)]
print("queued" if queue.publish(queue.SEND_CASE_REMINDERS, 1, "2026-11-30") else "not queued")
"""


def test_a_web_process_queues_tasks_it_never_imported(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="true",
        VAR_DIR=str(tmp_path),
        REDIS_URL="redis://127.0.0.1:1/0",  # nothing listens: the broker is down
    )
    done = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    # The task was found by name (no NotRegistered), and the broker being down cost a log
    # line and False, as in a worker: the sweep will find the work.
    assert done.stdout.strip() == "not queued"
    assert "Could not queue requests_app.tasks.send_case_reminders" in done.stderr
    assert "NotRegistered" not in done.stderr
