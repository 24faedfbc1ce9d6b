"""Settings for the test suite: the real settings, plus what only makes tests faster.

Tests read DATABASE_URL and REDIS_URL like the app does, so `.ci/run` proves them on
PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-" + "x" * 60)
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
# A fixed key for identity scans (a Fernet key made for the tests, never used elsewhere).
os.environ.setdefault("IDENTITY_SCAN_KEY", "kQ2x7m9YpW4cT1uH8sJ3dF6gL0aZ5vB2nR7eX4yM9qE=")

from config.settings import *  # noqa: F403

# Hashing demo passwords with PBKDF2 would dominate the suite's run time.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the source folders (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The live server for browser tests speaks plain HTTP on loopback.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
