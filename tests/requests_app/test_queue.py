"""Queueing by task name (requests_app/queue.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process, as a web server is: it has imported no tasks module, so no task is
# registered in it; publishing must still send the message by name.
SCRIPT = """
import sys
import django
django.setup()
from celery import current_app
current_app.conf.task_always_eager = False
current_app.conf.broker_url = "memory://"
current_app.conf.broker_transport = None  # not the embedded SQLite broker's class
from requests_app import queue
assert "requests_app.tasks" not in sys.modules, "the tasks module was imported"
assert queue.SEND_CASE_REMINDERS not in current_app.tasks, "the task is registered"
print(queue.publish(queue.SEND_CASE_REMINDERS, 1, "2026-11-30"))
with queue.messages_held():
    print(queue.publish(queue.SEND_CASE_REMINDERS, 1, "2026-11-30"))
"""


def test_a_process_that_never_imported_the_tasks_publishes_by_name() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False"]  # sent; then held, not sent
