from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _


class PortalPasswordResetForm(PasswordResetForm):
    """Django's reset form; the mail itself is sent by ``password_reset_request`` (see the view)."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. the program that uses it.")
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        initial=90,
        help_text=_("The token stops working after this many days."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        maximum = settings.API_TOKEN_MAX_DAYS
        self.fields["days"].max_value = maximum
        self.fields["days"].validators.append(MaxValueValidator(maximum))
        self.fields["days"].widget.attrs["max"] = maximum
        self.fields["days"].help_text = _("The token stops working after this many days (at most %(max)d).") % {
            "max": maximum
        }
