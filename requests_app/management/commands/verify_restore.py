"""After a restore: the audit trail, the scans and the letters came back whole.

Run it on the restored system, with its keys (README, "Backup and restore"):

- the audit chain verifies from its first event to its head (`verify_audit`'s check);
- every stored scan decrypts with IDENTITY_SCAN_KEY and is the type recorded at upload;
- every letter and batch PDF the register points to is in the media folder, byte for byte
  the file whose SHA-256 the register recorded.

It reads and decrypts, shows nothing, writes nothing (no audit event: the restored trail must
stay exactly the one that was backed up). `--require-each` fails when a check had nothing to
check (the restore drill proves a scan and a letter, not an empty database).
"""

from __future__ import annotations

import hashlib
from typing import Any

import filetype
from cryptography.fernet import InvalidToken
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from identity import scans
from identity.selectors import stored_scans
from requests_app import audit
from requests_app.letters.selectors import stored_files

READ_CHUNK = 1 << 20


class Command(BaseCommand):
    help = (
        "Check a restored backup: the audit chain verifies, every scan decrypts with "
        "IDENTITY_SCAN_KEY, every letter file matches the SHA-256 in the register."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--require-each",
            action="store_true",
            help="Fail when there is no event, no scan or no letter file to check.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[str] = []
        events = audit.AuditEvent.objects.count()
        broken = audit.verify_chain()
        if broken is not None:
            problems.append(f"The audit chain is broken at {broken}.")
        else:
            self.stdout.write(f"Audit chain: {events} events verify, from the first to the head.")

        scan_count = 0
        for scan in stored_scans():
            where = f"scan of document {scan.document_id} (case {scan.reference})"
            try:
                content = scans.unseal(scan.wrapped_key, scan.ciphertext)
            except InvalidToken:
                problems.append(f"The {where} does not decrypt with IDENTITY_SCAN_KEY.")
                continue
            guessed = filetype.guess(content)
            if guessed is None or guessed.mime != scan.content_type:
                problems.append(f"The {where} decrypts, but is not the {scan.content_type} stored.")
                continue
            scan_count += 1
        self.stdout.write(
            f"Scans decrypted with IDENTITY_SCAN_KEY, each the type stored: {scan_count}."
        )

        file_count = 0
        for stored in stored_files():
            if not default_storage.exists(stored.name):
                problems.append(f"The file of {stored.label} is missing: {stored.name}.")
                continue
            digest = hashlib.sha256()
            with default_storage.open(stored.name, "rb") as handle:
                while chunk := handle.read(READ_CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() != stored.sha256:
                problems.append(
                    f"The file of {stored.label} ({stored.name}) does not match the SHA-256 "
                    "in the register."
                )
                continue
            file_count += 1
        self.stdout.write(f"Letter files matching the SHA-256 in the register: {file_count}.")

        if options["require_each"]:
            for count, what in (
                (events, "audit event"),
                (scan_count, "scan"),
                (file_count, "letter file"),
            ):
                if count == 0:
                    problems.append(f"There was no {what} to check.")
        if problems:
            raise CommandError("The restore is not whole:\n  " + "\n  ".join(problems))
        self.stdout.write(self.style.SUCCESS("The restore is whole."))
