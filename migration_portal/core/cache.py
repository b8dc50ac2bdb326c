"""A Redis cache that keeps the portal answering when Redis is down.

The cache holds rate-limit counters (DRF's throttles, the failed-lookup count of the
public complaint status check), nothing the portal cannot lose. Django's own
``RedisCache`` raises on every call when Redis is unreachable, so one stopped Redis
turned every throttled page and API route into a 500.

``ResilientRedisCache`` catches the connection errors and carries on with a
local-memory cache of the same process instead: a miss the first time, then
counters kept per process. Throttles therefore still limit while Redis is away
(per web process rather than across them, so an address gets at most one limit per
process), never "no limit", which matters for the complaint status check that
guards workers' dates of birth.

After a failure the backend does not try Redis again for ``RETRY_AFTER`` seconds
(``OPTIONS["RETRY_AFTER"]``, default 30), so a dead or black-holed server costs one
connect timeout per interval, not one per call; the failure is logged once per
interval too. When Redis answers again, the shared counters are used again; the
local ones simply expire.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

try:  # redis-py is what Django's RedisCache uses; its errors are not all OSErrors
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    UNAVAILABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover - redis is a dependency
    UNAVAILABLE = (OSError,)

# Every operation the throttles, the views and Django itself call on a cache.
_WRAPPED = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
    "get_or_set",
)


class ResilientRedisCache(RedisCache):
    """Django's RedisCache, falling back to a per-process local-memory cache while Redis is unreachable."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 30))
        # Without timeouts a black-holed server would hold every request for the OS's TCP timeout.
        options.setdefault("socket_connect_timeout", 1)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(
            f"resilient-fallback-{id(self)}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": 10_000},
            },
        )
        self._lock = threading.Lock()
        self._down_until = 0.0

    @property
    def available(self) -> bool:
        """False while a recent failure keeps Redis out of use (for ``RETRY_AFTER`` seconds)."""
        return time.monotonic() >= self._down_until

    def _failed(self, operation: str, exc: BaseException) -> None:
        with self._lock:
            first = self.available  # log once per interval, not once per call
            self._down_until = time.monotonic() + self.retry_after
        if first:
            logger.warning(
                "The cache (Redis) is unreachable (%s on %s: %s); using a per-process cache for %ss.",
                type(exc).__name__,
                operation,
                exc,
                int(self.retry_after),
            )


def _wrap(name: str):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if self.available:
            try:
                return redis_method(self, *args, **kwargs)
            except UNAVAILABLE as exc:
                self._failed(name, exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _WRAPPED:
    setattr(ResilientRedisCache, _name, _wrap(_name))
