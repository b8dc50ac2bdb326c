"""Fixtures of the core tests: a Redis server of the test's own (see private_redis.py)."""

from .private_redis import private_redis  # noqa: F401  the fixture, for every test here
