"""The labour migration portal of Cambodia's Ministry of Labour and Vocational Training."""

from .celery import app as celery_app

__all__ = ["celery_app"]
