"""The filter of the access log, shared by the directors' page and the API."""

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AccessChannel, AccessKind, AccessLog


class AccessLogFilterForm(forms.Form):
    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data


class AccessLogFilterSet(filters.FilterSet):
    user = filters.CharFilter(field_name="user__username", lookup_expr="iexact", label=_("User name"), max_length=150)
    since = filters.DateFilter(field_name="created", lookup_expr="date__gte", label=_("From"))
    until = filters.DateFilter(field_name="created", lookup_expr="date__lte", label=_("To"))
    kind = filters.ChoiceFilter(choices=AccessKind.choices, label=_("Kind"))
    channel = filters.ChoiceFilter(choices=AccessChannel.choices, label=_("Channel"))
    record = filters.CharFilter(field_name="label", lookup_expr="iexact", label=_("Record (reference or number)"),
                                max_length=80)

    class Meta:
        model = AccessLog
        fields = ["user", "since", "until", "kind", "channel", "record"]
        form = AccessLogFilterForm
