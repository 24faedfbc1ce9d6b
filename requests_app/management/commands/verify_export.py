"""Check an export bundle: every file against the manifest, every event against its hash.

It runs the verifier every bundle carries (requests_app/exports/verify.py, shipped as
verify.py) and prints what `python3 verify.py` prints. Without --against-trail it reads only
the bundle: it runs no system checks and touches no database, and settings load without
secrets (config/startup.py), so it needs no SECRET_KEY, scan key, database or DEBUG.
--against-trail compares the bundle with this system's audit trail and so needs the system:
it runs the system checks first, as every command that uses the database does.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_app.exports import trail, verify


class Command(BaseCommand):
    help = (
        "Verify an export bundle (ZIP, or the folder it was unpacked into): recompute every "
        "file's SHA-256 and every event's hash and chain links; name the first thing that "
        "does not match. Needs nothing but the bundle, unless --against-trail."
    )
    # The bundle alone needs no settings beyond loading; --against-trail checks for itself.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("bundle", help="The bundle, e.g. case-histories-20261128-1.zip")
        parser.add_argument(
            "--against-trail",
            action="store_true",
            help="Also check the bundle against this system's audit trail: the export is "
            "recorded with this manifest, every event is the trail's, none was left out.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["bundle"]
        against_trail = options["against_trail"]
        if against_trail:
            self.check()
        try:
            result = verify.verify_bundle(path)
            if against_trail:
                trail.verify_against_trail(path, result)
        except verify.BundleProblem as problem:
            raise CommandError(verify.render([verify.failure(problem)])) from problem
        closing = trail.CONFIRMED if against_trail else verify.OFFLINE_CAVEAT
        self.stdout.write(verify.render([*verify.report(result), closing]))
