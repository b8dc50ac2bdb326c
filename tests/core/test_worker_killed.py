"""A task taken by a worker that is then killed is redelivered to another worker within the
visibility timeout (minutes in production, seconds here), not lost and not after an hour."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
import redis
from django.conf import settings

from migration_portal.celery import app
from migration_portal.core.jobs import _JOB_TASKS

from .test_celery_worker import reset_connections
from .test_settings import ROOT

VISIBILITY_TIMEOUT = 3  # seconds, for this test only (production: settings.CELERY_VISIBILITY_TIMEOUT)


def start_worker_process(broker_url: str, name: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.core.worker_settings",
        REDIS_URL=broker_url,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
    )
    return subprocess.Popen(  # noqa: S603 - a fixed command line
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "migration_portal",
            "worker",
            "--pool",
            "solo",
            "-I",
            "tests.core.blocking_tasks",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
            "-n",
            f"{name}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.services
def test_a_task_whose_worker_is_killed_is_redelivered_to_another_worker(private_redis):
    broker = private_redis.url()
    client = redis.Redis.from_url(broker)
    marker = f"killed-worker-{uuid.uuid4().hex}"
    client.set(f"{marker}:hold", "1")

    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=broker, task_always_eager=False)
    reset_connections()
    first = second = None
    try:
        app.send_task("tests.core.blocking_tasks.hold", args=[marker])
        first = start_worker_process(broker, "first")
        assert wait_for(lambda: client.llen(f"{marker}:taken-by") == 1, timeout=25), "the first worker never took the task"
        assert client.lrange(f"{marker}:taken-by", 0, -1) == [str(first.pid).encode()]

        first.send_signal(signal.SIGKILL)  # mid-task: no acknowledgement, no clean shutdown
        first.wait(timeout=10)
        assert client.llen(f"{marker}:done-by") == 0
        client.delete(f"{marker}:hold")

        second = start_worker_process(broker, "second")
        # Redelivered once the visibility timeout has passed (plus the second worker's start).
        assert wait_for(lambda: client.llen(f"{marker}:done-by") == 1, timeout=30), "the task was not redelivered"
        assert client.lrange(f"{marker}:taken-by", 0, -1) == [str(first.pid).encode(), str(second.pid).encode()]
        assert client.lrange(f"{marker}:done-by", 0, -1) == [str(second.pid).encode()]
        # Acknowledged this time: nothing is left waiting or taken.
        assert wait_for(lambda: client.llen("celery") == 0 and client.zcard("unacked_index") == 0, timeout=10)
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)
        app.conf.update(**previous)
        reset_connections()


def test_the_visibility_timeout_is_minutes_and_above_every_ordinary_task_limit():
    """Redelivery within minutes; and no ordinary task outlives the timeout, so Redis never hands
    a running task to a second worker. The longer imports are registered with the job sweep,
    whose claim makes such a second delivery do nothing."""
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout == settings.CELERY_VISIBILITY_TIMEOUT and 60 < timeout <= 15 * 60
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    app.loader.import_default_modules()
    guarded = {path for path, _limit in _JOB_TASKS.values()}
    for name, task in app.tasks.items():
        if name.startswith("celery.") or name in guarded:
            continue
        limit = task.time_limit or settings.CELERY_TASK_TIME_LIMIT
        assert limit < timeout, f"{name} may run {limit}s, longer than the visibility timeout"
    for path, limit in _JOB_TASKS.values():
        assert app.tasks[path].time_limit == limit
