"""Read by gunicorn from the working directory: its own log lines in the portal's shape."""

import os

from migration_portal.logging import build_logging

_production = os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith(".production")
logconfig_dict = build_logging(
    os.environ.get("LOG_FORMAT", "json" if _production else "plain"), os.environ.get("LOG_LEVEL", "INFO")
)
