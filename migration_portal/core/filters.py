"""What every FilterSet of the portal shares, for the API and the pages alike.

django-filter's ``NumberFilter`` reads any decimal, so ``?agency=99999999999999999999`` used to
reach the database and overflow its integer column (a 500). :func:`bound_numbers` gives every
number filter that sets no range of its own the range a database integer can hold; a value
outside it is a form error naming the parameter (a 400 in the API). Filters with a meaning of
their own (a year, a number of days) declare their narrower range where they are defined.
"""

from __future__ import annotations

from django_filters import NumberFilter

# A database integer (PostgreSQL's bigint, SQLite's INTEGER): the widest key the portal has.
INTEGER_MIN = -(2**63)
INTEGER_MAX = 2**63 - 1
# Positions on one job order or advertisement: far above any real one, far below an integer
# column's limit, so a typing slip is a form error rather than a database error.
MAX_POSITIONS = 100_000
# The years a filter may name: the register's records start after 2000 (the statistics pages
# use the same range).
YEAR_MIN, YEAR_MAX = 2000, 2100


def bound_numbers(filterset):
    """Give every number filter of this FilterSet instance a range if it has none (in place)."""
    for f in filterset.filters.values():
        if isinstance(f, NumberFilter):
            f.extra.setdefault("min_value", INTEGER_MIN)
            f.extra.setdefault("max_value", INTEGER_MAX)
    return filterset
