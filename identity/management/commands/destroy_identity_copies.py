"""Destroy the copies of identity documents whose destruction date has passed.

Celery beat runs the same service daily (identity.tasks). Idempotent:
running it twice on one day changes nothing the second time.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from identity.services import copies_destroy_due


class Command(BaseCommand):
    help = (
        "Destroy the scans of identity documents whose destruction date has passed and mark "
        "their paper copies as due for shredding."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            help="Act as if today were this day (YYYY-MM-DD); defaults to today.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError(
                    f"--date {options['date']!r} is not a date (YYYY-MM-DD)."
                ) from exc
        report = copies_destroy_due(today=today)
        self.stdout.write(
            f"{today.isoformat()}: {report.documents} document(s) in {report.cases} case(s); "
            f"{report.scans_destroyed} scan(s) destroyed; "
            f"{report.paper_to_shred} paper copy(ies) now due for shredding."
        )
