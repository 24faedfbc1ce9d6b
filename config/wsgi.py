import os

from django.core.wsgi import get_wsgi_application

from config.startup import require_secrets

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
# Settings load without secrets (for commands that need none); serving needs them all.
require_secrets()
