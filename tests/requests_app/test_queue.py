"""Queueing by task name works in a process that never imported a tasks module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from requests_app import queue

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(
    value for key, value in vars(queue).items() if key.isupper() and isinstance(value, str)
)

# A fresh interpreter is a web process: Django set up, no tasks module imported, the broker
# down (nothing listens on port 1), so publishing must find the task and then give up quietly.
WEB_PROCESS = f"""
import sys, django
OWN = ("requests_app.", "identity.")
django.setup()
from requests_app import queue
own = [m for m in sys.modules if m.endswith(".tasks") and m.startswith(OWN)]
assert not own, own
print(queue.publish(queue.REFRESH_DUE_DATES))
for name in {NAMES!r}:
    assert queue.registered(name).name == name, name
"""


def test_a_web_process_finds_every_task_by_name_and_publishes_to_a_broker_that_is_down() -> None:
    assert queue.REFRESH_DUE_DATES in NAMES and len(NAMES) >= 10
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    done = subprocess.run(
        [sys.executable, "-c", WEB_PROCESS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    assert "the next sweep will pick it up" in done.stderr
