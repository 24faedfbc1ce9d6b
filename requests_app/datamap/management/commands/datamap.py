"""`python manage.py datamap export --format csv|json [--output FILE]`: the data map as a
file (the same CSV and JSON as the data map page's downloads), to a file or to stdout."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from requests_app.datamap import export, selectors, services


class Command(BaseCommand):
    help = "Export the data map (個人情報管理台帳) as CSV (for Excel) or JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        exporting = actions.add_parser("export", help="Write the data map as CSV or JSON.")
        exporting.add_argument("--format", choices=("csv", "json"), default="csv")
        exporting.add_argument(
            "--output", help="File to write (default: standard output).", default=""
        )
        exporting.add_argument(
            "--language", choices=("ja", "en"), default="ja", help="Language of the labels."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        file_format, output = options["format"], options["output"]
        buffer = io.StringIO()
        with translation.override(options["language"]):
            systems = list(selectors.systems())
            if file_format == "csv":
                count = export.write_csv(buffer, systems, options["language"])
            else:
                count = export.write_json(buffer, systems, options["language"])
        data = buffer.getvalue().encode("utf-8")
        if output:
            try:
                Path(output).write_bytes(data)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error.strerror}") from error
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        services.datamap_record_export(actor=None, file_format=file_format, systems=count)
        if output:
            self.stderr.write(f"Wrote {count} systems to {output}.")
