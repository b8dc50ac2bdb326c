from django import forms
from django.utils.formats import time_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from .services import code_check, normalise_code, two_factor_enrol_confirm

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "none", "spellcheck": "false", "size": 12}
)


def _locked_message(locked_until) -> str:
    return _("Too many wrong codes. Wait until %(time)s, then try again.") % {
        "time": time_format(localtime(locked_until), "H:i:s")
    }


class CodeForm(forms.Form):
    """A code from the authenticator app (six digits) or one of the backup codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=CODE_WIDGET,
        help_text=_("The six digits your authenticator app shows now, or one of your backup codes."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_code(self):
        code = self.cleaned_data["code"]
        if not normalise_code(code).isalnum():
            raise forms.ValidationError(_("A code has only letters and digits."))
        check = code_check(user=self.user, code=code)
        if check.locked_until is not None and not check.ok:
            raise forms.ValidationError(_locked_message(check.locked_until))
        if not check.ok:
            raise forms.ValidationError(_("This code is not valid. Check the time on your phone, or use a backup code."))
        self.device = check.device
        return code


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 8}),
        help_text=_("After adding the account, type the six digits the app shows."),
    )

    def __init__(self, *args, user, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = device
        self.backup_codes: list[str] | None = None

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not code.isdigit():
            raise forms.ValidationError(_("Type the six digits the app shows."))
        allowed, info = self.device.verify_is_allowed()
        if not allowed and (info or {}).get("locked_until"):
            raise forms.ValidationError(_locked_message(info["locked_until"]))
        codes = two_factor_enrol_confirm(user=self.user, device_id=self.device.pk, code=code)
        if codes is None:
            raise forms.ValidationError(_("This code is not valid. Check the time on your phone and try the next code."))
        self.backup_codes = codes
        return code


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password
