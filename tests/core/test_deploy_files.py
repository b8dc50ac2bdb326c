"""The production stack as written: docker-compose.yml, the Dockerfile and pyproject.toml.

The production check (.ci/production-check) runs these for real; these tests keep the
written rules from being dropped in an edit.
"""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_celery_is_installed_with_its_redis_transport():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert any(re.fullmatch(r"celery\[redis\]==[\d.]+", d) for d in deps), deps


def test_every_image_is_pinned_to_an_exact_version():
    images = [s["image"] for s in SERVICES.values() if "image" in s and not s["image"].startswith("molvt/")]
    froms = re.findall(r"^FROM (\S+)", (ROOT / "Dockerfile").read_text(), re.M)
    for image in [*images, *froms]:
        tag = image.split("@")[0].split(":", 1)[1]
        assert re.match(r"\d+\.\d+(\.\d+)?-", tag) or "@sha256:" in image, image


def test_the_portal_port_is_published_on_localhost_only():
    assert SERVICES["web"]["ports"] == ["127.0.0.1:8000:8000"]
    assert all("ports" not in s for name, s in SERVICES.items() if name != "web")


def test_gunicorn_runs_without_its_control_socket():
    assert "--no-control-socket" in SERVICES["web"]["command"]
    assert '"--no-control-socket"' in (ROOT / "Dockerfile").read_text()


def test_worker_and_beat_have_healthchecks_and_a_stop_grace():
    worker, beat = SERVICES["worker"], SERVICES["beat"]
    assert "inspect ping -d celery@$$HOSTNAME" in worker["healthcheck"]["test"][1]
    assert beat["healthcheck"]["test"][1:] == ["python", "manage.py", "check_beat"]
    assert worker["stop_grace_period"] == "10m" and "stop_grace_period" in beat


def test_worker_children_are_recycled():
    command = SERVICES["worker"]["command"]
    assert int(command[command.index("--max-tasks-per-child") + 1]) > 0


def test_the_database_password_reaches_the_portal_unquoted():
    env = SERVICES["migrate"]["environment"]
    assert "DATABASE_URL" not in env
    assert {"POSTGRES_HOST", "POSTGRES_DB", "POSTGRES_USER"} <= set(env)


def test_the_web_healthcheck_calls_healthz_over_plain_http():
    assert "http://localhost:8000/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])


def test_backup_and_restore_are_one_off_services():
    for name, script in (("backup", "/ops/backup.sh"), ("restore", "/ops/restore.sh")):
        service = SERVICES[name]
        assert service["entrypoint"] == ["bash", script] and service["restart"] == "no"
        assert "media:/media" in service["volumes"]
