"""Check an export bundle: every file against the manifest, every event against its hash."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from requests_app.exports.verify import BundleProblem, verify_against_trail, verify_bundle


class Command(BaseCommand):
    help = (
        "Verify an export bundle (ZIP): recompute every file's SHA-256 and every event's hash "
        "and chain links; name the first thing that does not match."
    )

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
        try:
            result = verify_bundle(path)
            if options["against_trail"]:
                verify_against_trail(path, result)
        except BundleProblem as problem:
            raise CommandError(f"The bundle does not verify: {problem}.") from problem
        chain = result.manifest["audit_chain"]
        self.stdout.write(
            self.style.SUCCESS(
                f"The bundle is intact: {result.cases} cases, {result.events} events, "
                f"{result.files} files match the manifest."
            )
        )
        self.stdout.write(
            f"  {result.hashes_checked} event hashes recomputed, "
            f"{result.links_checked} links between neighbouring events checked."
        )
        if result.masked_seqs:
            self.stdout.write(
                f"  {len(result.masked_seqs)} events show masked contact details; their hashes "
                "can be confirmed only against the trail (--against-trail)."
            )
        self.stdout.write(
            f"  Audit chain head at export: #{chain['head_seq']} {chain['head_hash']}"
        )
        self.stdout.write(f"  Manifest SHA-256: {result.manifest_sha256}")
        if options["against_trail"]:
            self.stdout.write(
                "  The audit trail records this export, holds every exported event unchanged "
                "and no other event of these cases up to the head."
            )
        else:
            self.stdout.write(
                "  Compare the manifest SHA-256 with the export's entry in the audit trail "
                "(or run with --against-trail) to know the bundle is the one the system made."
            )
