from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DatamapConfig(AppConfig):
    """The data map (個人情報管理台帳), search tasks for the departments that hold a person's
    data, and the records of provision to third parties (第三者提供記録)."""

    name = "requests_app.datamap"
    label = "datamap"
    verbose_name = _("Data map")
    default_auto_field = "django.db.models.BigAutoField"
