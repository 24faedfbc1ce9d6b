from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from config.startup import secrets_check

# A leaf module (no models): safe to import before the app registry is ready.
from requests_app.permissions import sync_roles


def _sync_roles_after_migrate(sender: AppConfig, **kwargs: Any) -> None:
    sync_roles()


class RequestsAppConfig(AppConfig):
    name = "requests_app"
    verbose_name = _("Personal-information requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Model permissions for the administrator's reference data exist only after
        # post_migrate; re-sync the role groups then (idempotent).
        post_migrate.connect(_sync_roles_after_migrate, sender=self)
        # Every command that runs the system checks refuses to start without the secrets.
        checks.register(secrets_check, checks.Tags.security)
        # Letter PDFs travel in export bundles and are listed in dossiers. Imported here, not
        # at the top: these modules import models, which exist only once the registry is
        # ready (Django's documented place for such imports).
        from requests_app.exports import attachments
        from requests_app.letters.attachments import LetterFiles

        if not any(provider.name == LetterFiles.name for provider in attachments.providers()):
            attachments.register(LetterFiles())
