from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    """Every figure the portal gives is available by sex (policy goal 6)."""

    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
