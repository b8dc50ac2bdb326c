"""Configuration: production settings pass Django's deployment checks; secrets have no default."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603 - our own manage.py


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "migration_portal.settings.production",
    "SECRET_KEY": "x" * 60 + "-production-like-secret-for-the-check",
    "ALLOWED_HOSTS": "portal.example.gov.kh",
    "DATABASE_URL": "sqlite:////tmp/check-deploy.db",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "SALT_KEY": "production-like-salt",
    "PII_HASH_KEY": "production-like-hash-key",
}


def test_check_deploy_reports_no_warning():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
