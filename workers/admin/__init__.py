"""The worker register's admin, one module per area."""

from . import imports, register, returns, training  # noqa: F401
