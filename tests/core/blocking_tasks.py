"""A task for the killed-worker test, loaded only by the workers that test starts (``-I``).

``hold`` records which worker process took it in the broker's Redis, then waits while the
key ``<marker>:hold`` exists (at most a minute): the first worker is killed while waiting;
the test removes the key, so the worker that receives the redelivered message finishes.
"""

import os
import time

import redis
from celery import current_app, shared_task


@shared_task(acks_late=True, reject_on_worker_lost=True)
def hold(marker: str) -> int:
    client = redis.Redis.from_url(current_app.conf.broker_url)
    client.rpush(f"{marker}:taken-by", os.getpid())
    deadline = time.monotonic() + 60
    while client.exists(f"{marker}:hold") and time.monotonic() < deadline:
        time.sleep(0.1)
    client.rpush(f"{marker}:done-by", os.getpid())
    return os.getpid()
