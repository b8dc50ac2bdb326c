"""The bulk import form: one file, CSV or XLSX. The service reads and checks it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..imports import limits


class WorkerImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("One row per worker, with an optional deployment, in the columns of the template. "
                    "Every row is checked first: nothing is saved if any row is wrong."),
        error_messages={"required": _("Choose a file to upload."), "empty": _("The file is empty.")},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        max_bytes = limits().max_bytes
        if upload.size > max_bytes:
            raise forms.ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)})
        return upload
