"""Settings for `make bench`: the test settings, minus what only helps while developing."""

from config.test_settings import *  # noqa: F403

# Autorefresh rescans the static folders on every request; production never does.
WHITENOISE_AUTOREFRESH = False
