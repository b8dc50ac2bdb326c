"""Complaints as a risk signal for the inspection of agencies."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils.translation import ngettext

from agencies.risk import register_signal

from .models import Respondent


@register_signal
def complaints_against(agency_ids, today):
    """Complaints naming the agency in the last 12 months; trafficking signs weigh most."""
    since = today - timedelta(days=365)
    rows = (
        Respondent.objects.filter(agency__in=agency_ids, complaint__received_on__gte=since)
        .values("agency_id")
        .annotate(n=Count("complaint", distinct=True),
                  trafficking=Count("complaint", filter=Q(complaint__trafficking_flag=True), distinct=True))
    )
    out = {}
    for r in rows:
        reasons = [(min(5 * r["n"], 25), ngettext("%(n)d complaint in the last 12 months", "%(n)d complaints in the last 12 months",
                                                  r["n"]) % {"n": r["n"]})]
        if r["trafficking"]:
            reasons.append((30, ngettext("%(n)d complaint with signs of trafficking", "%(n)d complaints with signs of trafficking",
                                         r["trafficking"]) % {"n": r["trafficking"]}))
        out[r["agency_id"]] = reasons
    return out
