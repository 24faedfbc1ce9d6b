"""Check the audit trail's hash chain from the first event to the head."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from requests_app.audit import current_head, verify_chain


class Command(BaseCommand):
    help = "Recompute the audit chain; name the first event that does not match."

    def handle(self, *args: Any, **options: Any) -> None:
        problem = verify_chain()
        if problem is not None:
            raise CommandError(f"The audit trail is broken at {problem}.")
        seq, digest = current_head()
        self.stdout.write(
            self.style.SUCCESS(f"The audit trail is intact: {seq} events, head {digest}.")
        )
