"""Serializers of the remittances API.

Output serializers read only what the viewset's queryset joined, or what the view
computed for the whole page (the cost of USD 200 per offer comes from rates loaded
once, passed in the context): none runs a query per row. Input serializers parse;
the rules live in ``remittances.services`` and ``remittances.literacy``.
Remittances carry references, not names: the worker's identity stays on the
worker's own record.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from migration_portal.core.api.fields import EnumField
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Province

from .. import services
from ..choices import Audience, ProviderKind, ReceiveMethod, RemittanceChannel, RemittanceSource, Speed
from ..models import Corridor, ExchangeRate, LiteracyAttendance, LiteracySession, Offer, Provider, Remittance

RECEIVE_CURRENCIES = ("USD", "KHR")


# --- Reference: providers, corridors, rates, offers -----------------------------------------


class ProviderSerializer(serializers.ModelSerializer):
    kind = EnumField(ProviderKind)

    class Meta:
        model = Provider
        fields = ["id", "name", "kind", "website", "licensed_by", "active"]


class CorridorSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True, help_text=_("ISO code of the sending country"))
    country_name = serializers.CharField(source="country.name", read_only=True)
    country_name_km = serializers.CharField(source="country.name_km", read_only=True)

    class Meta:
        model = Corridor
        fields = ["id", "country", "country_name", "country_name_km", "currency"]


class CorridorInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Corridor
        fields = ["currency"]

    def validate_currency(self, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha():
            raise serializers.ValidationError(_("Give the ISO code of the currency, e.g. THB."))
        return value


class ExchangeRateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExchangeRate
        fields = ["id", "currency", "on", "per_usd"]

    def validate_currency(self, value: str) -> str:
        value = value.strip().upper()
        if len(value) != 3 or not value.isalpha() or value == "USD":
            raise serializers.ValidationError(_("Give the ISO code of a currency other than USD, e.g. THB."))
        return value


class OfferSerializer(serializers.ModelSerializer):
    """An offer, with its total cost of sending USD 200 on the day it was observed."""

    speed = EnumField(Speed)
    receive_methods = serializers.ListField(child=EnumField(ReceiveMethod), allow_empty=False)
    receive_currency = serializers.ChoiceField(choices=RECEIVE_CURRENCIES, default="USD")
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    corridor_country = serializers.CharField(source="corridor.country.code", read_only=True)
    cost_of_200 = serializers.SerializerMethodField(help_text=_("Total cost (%) of sending the equivalent of USD 200"))

    class Meta:
        model = Offer
        fields = ["id", "provider", "provider_name", "corridor", "corridor_country", "fee_fixed", "fee_percent",
                  "fx_margin_percent", "receive_currency", "speed", "receive_methods", "min_amount", "max_amount",
                  "observed_on", "source", "cost_of_200"]

    @extend_schema_field(serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True))
    def get_cost_of_200(self, offer: Offer) -> str | None:
        rates = self.context.get("rates")
        cost = services.cost_of_200_from(offer, rates) if rates is not None else None
        return None if cost is None else str(cost)  # a string, as every decimal in this API

    def validate_observed_on(self, value: date) -> date:
        if value > timezone.localdate():
            raise serializers.ValidationError(_("An offer is recorded once observed: this date is in the future."))
        return value

    def validate(self, attrs):
        lo, hi = attrs.get("min_amount"), attrs.get("max_amount")
        if lo is not None and hi is not None and lo > hi:
            raise serializers.ValidationError({"max_amount": _("The maximum must not be below the minimum.")})
        return attrs


# --- The public comparison and the indicator ------------------------------------------------


class CompareQuerySerializer(serializers.Serializer):
    corridor = serializers.CharField(max_length=2, help_text=_("ISO code of the sending country, e.g. TH"))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                      help_text=_("In the sending currency; default: the equivalent of USD 200"))
    method = EnumField(ReceiveMethod, required=False, allow_blank=True)


class PublicQuoteSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    provider = serializers.CharField()
    provider_kind = EnumField(ProviderKind)
    fee = serializers.DecimalField(max_digits=14, decimal_places=2, help_text=_("In the sending currency"))
    fx_margin_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    cost_percent = serializers.DecimalField(max_digits=7, decimal_places=2,
                                            help_text=_("Fee and exchange-rate margin, percent of the amount"))
    received = serializers.DecimalField(max_digits=16, decimal_places=2)
    receive_currency = serializers.CharField()
    received_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    speed = EnumField(Speed)
    receive_methods = serializers.ListField(child=EnumField(ReceiveMethod))
    observed_on = serializers.DateField()


class PublicComparisonSerializer(serializers.Serializer):
    on = serializers.DateField()
    corridor = serializers.CharField()
    currency = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    benchmark_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True,
                                                help_text=_("USD 200 in the sending currency"))
    offers = PublicQuoteSerializer(many=True)
    corridor_average = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    national_indicator = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    target = serializers.DecimalField(max_digits=5, decimal_places=2)


class CorridorCostSerializer(serializers.Serializer):
    corridor = serializers.CharField(source="corridor.country.code")
    currency = serializers.CharField(source="corridor.currency")
    offers = serializers.IntegerField()
    average = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    cheapest = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)


class IndicatorPointSerializer(serializers.Serializer):
    on = serializers.DateField()
    label = serializers.CharField()
    national = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    corridors = CorridorCostSerializer(many=True, source="costs")


class IndicatorQuerySerializer(serializers.Serializer):
    quarters = serializers.IntegerField(min_value=1, max_value=40, default=8)


# --- Remittances ------------------------------------------------------------------------------


class RemittanceSerializer(serializers.ModelSerializer):
    deployment = serializers.UUIDField(source="deployment.ref", read_only=True)
    worker = serializers.UUIDField(source="deployment.worker.ref", read_only=True)
    destination = serializers.CharField(source="deployment.country.code", read_only=True)
    agency = serializers.IntegerField(source="deployment.agency_id", read_only=True, allow_null=True)
    sex = EnumField(Sex, source="deployment.worker.sex", read_only=True)
    channel = EnumField(RemittanceChannel)
    source = EnumField(RemittanceSource)
    provider_name = serializers.CharField(source="provider.name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Remittance
        fields = ["id", "deployment", "worker", "destination", "agency", "sex", "month", "amount", "currency", "amount_usd",
                  "channel", "provider", "provider_name", "source", "created"]
        read_only_fields = fields


class RemittanceInputSerializer(serializers.Serializer):
    deployment = serializers.UUIDField(help_text=_("The deployment's reference"))
    month = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], help_text=_("YYYY-MM (or any day of the month)"))
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    currency = serializers.CharField(max_length=3)
    channel = EnumField(RemittanceChannel)
    source = EnumField(RemittanceSource, default=RemittanceSource.AGENCY)
    provider = serializers.PrimaryKeyRelatedField(queryset=Provider.objects.all(), required=False, allow_null=True)

    def validate_currency(self, value: str) -> str:
        return value.strip().upper()


class RemittanceSummaryRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    records = serializers.IntegerField()
    senders = serializers.IntegerField()
    total_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    formal_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    informal_usd = serializers.DecimalField(max_digits=16, decimal_places=2)
    formal_share = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    per_sender = serializers.DecimalField(max_digits=16, decimal_places=2, allow_null=True)


class RemittanceSummarySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    total = RemittanceSummaryRowSerializer()
    by_corridor = RemittanceSummaryRowSerializer(many=True)
    by_province = RemittanceSummaryRowSerializer(many=True)
    by_sex = RemittanceSummaryRowSerializer(many=True)


class SummaryQuerySerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], required=False)
    end = serializers.DateField(input_formats=["%Y-%m", "%Y-%m-%d"], required=False)

    def validate(self, attrs):
        if attrs.get("start") and attrs.get("end") and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"start": _("The first month must come before the last.")})
        return attrs


# --- Financial literacy -----------------------------------------------------------------------


class LiteracySessionSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True, allow_null=True, default=None)
    audience = EnumField(Audience)
    attendee_count = serializers.IntegerField(read_only=True)
    women = serializers.IntegerField(read_only=True)
    men = serializers.IntegerField(read_only=True)

    class Meta:
        model = LiteracySession
        fields = ["id", "held_on", "province", "agency", "agency_name", "place", "partner", "audience", "topics",
                  "attendee_count", "women", "men"]
        read_only_fields = fields


class LiteracySessionInputSerializer(serializers.Serializer):
    province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all(),
                                            help_text=_("Code of the province where it was held"))
    held_on = serializers.DateField()
    place = serializers.CharField(max_length=200)
    partner = serializers.CharField(max_length=200)
    audience = EnumField(Audience)
    topics = serializers.CharField(required=False, allow_blank=True, default="")
    agency = serializers.IntegerField(required=False, allow_null=True,
                                      help_text=_("Ministry staff only: the agency that ran it. An agency records as itself."))


class LiteracyAttendanceSerializer(serializers.ModelSerializer):
    """An attendee. A registered worker outside the caller's scope (another agency's, another
    province's) is not named: neither reference nor sex; the view joins workers through their scope."""

    worker = serializers.UUIDField(source="worker.ref", read_only=True, allow_null=True, default=None)
    sex = EnumField(Sex, allow_null=True)

    class Meta:
        model = LiteracyAttendance
        fields = ["id", "session", "worker", "name", "sex", "relation"]
        read_only_fields = fields

    def to_representation(self, row):
        data = super().to_representation(row)
        if row.worker_id is not None and row.worker is None:  # not fetched: outside the caller's scope
            data["sex"] = None
        return data


class LiteracyAttendanceInputSerializer(serializers.Serializer):
    session = serializers.IntegerField()
    worker = serializers.UUIDField(required=False, allow_null=True, help_text=_("A registered worker's reference"))
    name = serializers.CharField(required=False, allow_blank=True, max_length=120, help_text=_("A family member's name"))
    sex = EnumField(Sex, required=False, allow_blank=True)
    relation = serializers.CharField(required=False, allow_blank=True, max_length=60)

    def validate(self, attrs):
        if not attrs.get("worker") and not attrs.get("name"):
            raise serializers.ValidationError({"name": _("Give a registered worker's reference, or a family member's name.")})
        return attrs
