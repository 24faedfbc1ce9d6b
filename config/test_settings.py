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
# Tasks queued by the code under test run in the test process: a test never leaves messages
# in a broker (the file broker under var/ is the one `make run` consumes). The tests that
# exercise a real broker and worker switch this off for themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
