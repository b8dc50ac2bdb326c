"""No response carries an identifier of a row outside the caller's scope, nested ones included.

The world is the demo data (a dozen agencies with workers, deployments, returns,
reintegration cases, complaints with a restricted one, remittances and literacy sessions),
plus the cross-scope rows the outside review found leaking: agency A's literacy session
attended by agency B's worker, and a return to Battambang of a Phnom Penh worker (the
case is Battambang's). Every API list route, and the detail of its first rows, is read
as each persona; then every identifier in the body is checked against what the persona
may see:

- every UUID and unique reference string (worker and deployment references, complaint
  references, case references, certificate numbers...) found anywhere in the body must
  belong to a row the persona sees through that model's ``visible_to``;
- every integer id is resolved to its model through the field that holds it (``agency``
  in a deployment is an agency, ``id`` in a nested worker is a worker) and must be visible.

The change log admin is walked the same way: list, search and detail, per role.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.apps import apps
from django.core.management import call_command
from django.db import models, transaction
from django.urls import URLPattern, URLResolver, get_resolver

from migration_portal.accounts.models import User
from migration_portal.core.scoping import ScopedQuerySet

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]

PP = ZoneInfo("Asia/Phnom_Penh")
PERSONAS = [
    "agency.angkor",
    "agency.mekong",
    "officer.phnompenh",
    "officer.battambang",
    "officer.banteaymeanchey",
    "licensing",
    "inspector",
    "complaints",
    "statistician",
    "director",
    None,
]
PORTAL_APPS = ("agencies", "workers", "complaints", "remittances", "core")
# Field names that hold another model's id without being that model's relation field.
ALIASES = {"return_id": "return_record"}


# --- The world ---------------------------------------------------------------------------------------


def _cross_scope_rows() -> dict:
    """The rows that leaked in the review, added to the demo's."""
    from agencies.models import Agency
    from remittances.models import LiteracyAttendance, LiteracySession
    from workers import services
    from workers.choices import ReturnReason
    from workers.models import Deployment, Worker

    from ..factories import country, province

    angkor = User.objects.get(username="agency.angkor").agency
    mekong = User.objects.get(username="agency.mekong").agency
    outsider = Worker.objects.for_agency(mekong.pk).exclude(pk__in=Worker.objects.for_agency(angkor.pk).values("pk")).first()
    session = LiteracySession.objects.create(
        province=province("12"), agency=angkor, held_on=datetime(2026, 11, 20).date(), place="Angkor office",
        partner="Bank", audience="workers",
    )
    LiteracyAttendance.objects.create(session=session, worker=outsider, sex=outsider.sex)

    pp_worker = Worker.objects.filter(home_province=province("12"), returns__isnull=True).exclude(
        pk__in=Deployment.objects.filter(status__in=("abroad",)).values("worker")
    ).first()
    record = services.return_register(
        worker=pp_worker, actor=User.objects.get(username="officer.battambang"), returned_on=datetime(2026, 11, 25).date(),
        reason=ReturnReason.COMPLETED, country=country("TH"), province=province("02"),
    )
    assert Agency.objects.filter(pk=angkor.pk).exists()

    # Mekong's worker comes home assisted by Angkor, received at the Poipet checkpoint
    # (Banteay Meanchey): Angkor and Banteay Meanchey see the return, not the worker's
    # register entry nor Mekong's deployment.
    from migration_portal.reference.models import Checkpoint

    deployment = Deployment.objects.filter(agency=mekong, status="abroad").exclude(
        worker__in=Worker.objects.for_agency(angkor.pk).values("pk")
    ).exclude(worker__home_province=province("01")).first()
    assisted = services.return_register(
        worker=deployment.worker, actor=User.objects.get(username="officer.phnompenh"),
        returned_on=datetime(2026, 11, 26).date(), reason=ReturnReason.COMPLETED, country=deployment.country,
        province=deployment.worker.home_province, deployment=deployment, assisting_agency=angkor,
        checkpoint=Checkpoint.objects.filter(province=province("01")).first(),
    )
    return {"session": session, "outsider": outsider, "return": record, "assisted": assisted}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo data, seeded once for the module inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=PP), tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            call_command("seed_demo", "--agencies", "12", "--seed", "11", stdout=StringIO())
            rows = _cross_scope_rows()
            yield rows
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def user(name):
    return User.objects.get(username=name) if name else None


# --- What a persona may see ----------------------------------------------------------------------------


def scoped_models() -> list[type[models.Model]]:
    return [
        m for m in apps.get_models()
        if m._meta.app_label in PORTAL_APPS and isinstance(m._default_manager.all(), ScopedQuerySet)
    ]


def identifier_fields(model) -> list[str]:
    """UUID references and unique reference strings (not codes of reference data, which everyone reads)."""
    return [
        f.name for f in model._meta.concrete_fields
        if isinstance(f, models.UUIDField) or (isinstance(f, models.CharField) and f.unique and f.name != "licence_number")
    ]


class Sight:
    """For one persona: the hidden ids of every scoped model, and the hidden reference strings."""

    def __init__(self, who):
        self.hidden_pks: dict[type, set[int]] = {}
        self.hidden_strings: dict[str, str] = {}
        for model in scoped_models():
            everything = model._default_manager.all()
            visible = everything.visible_to(who)
            hidden = everything.exclude(pk__in=visible.values("pk"))
            self.hidden_pks[model] = set(hidden.values_list("pk", flat=True))
            for field in identifier_fields(model):
                for value in hidden.exclude(**{f"{field}__isnull": True}).values_list(field, flat=True):
                    self.hidden_strings[str(value)] = f"{model.__name__}.{field}"

    def leaks(self, body, model) -> list[str]:
        found: list[str] = []
        self._walk(body, model, "", found)
        return found

    def _check_pk(self, model, value, where, found):
        if model in self.hidden_pks and isinstance(value, int) and value in self.hidden_pks[model]:
            found.append(f"{where}: {model.__name__} #{value}")

    def _walk(self, data, model, where, found):
        if isinstance(data, list):
            for i, item in enumerate(data):
                self._walk(item, model, f"{where}[{i}]", found)
            return
        if isinstance(data, str):
            if data in self.hidden_strings:
                found.append(f"{where}: {self.hidden_strings[data]} {data}")
            return
        if not isinstance(data, dict):
            return
        for key, value in data.items():
            here = f"{where}.{key}"
            if key == "id" and model is not None:
                self._check_pk(model, value, here, found)
                continue
            related = related_model(model, key)
            if related is not None:
                for item in value if isinstance(value, list) else [value]:
                    if isinstance(item, int):
                        self._check_pk(related, item, here, found)
                self._walk(value, related, here, found)
            else:
                self._walk(value, None, here, found)


def related_model(model, key):
    if model is None:
        return None
    name = ALIASES.get(key, key)
    try:
        field = model._meta.get_field(name)
    except Exception:  # noqa: BLE001 - a serializer's own name, not a model field
        return None
    return field.related_model if field.is_relation else None


# --- The API's list routes -------------------------------------------------------------------------------


def list_routes() -> list[tuple[str, type]]:
    """(path, viewset class) of every router list route under /api/."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern) and p.name and p.name.endswith("-list") and "<" not in str(p.pattern):
                route = prefix + str(p.pattern)
                if "format" not in route and getattr(p.callback, "cls", None) is not None:
                    yield route, p.callback.cls

    seen = {}
    for route, cls in walk(get_resolver().url_patterns):
        if route.startswith("api/"):
            seen["/" + route.replace("^", "").replace("$", "")] = cls
    return sorted(seen.items())


def test_the_walk_covers_the_api():
    paths = [path for path, _cls in list_routes()]
    for expected in ("/api/literacy-attendance/", "/api/returns/", "/api/complaints/", "/api/workers/", "/api/deployments/"):
        assert expected in paths, (expected, paths)


def read_route(client, path, cls, failures, sight):
    response = client.get(path, {"page_size": 200})
    if response.status_code in (401, 403, 404, 405):
        return 0
    assert response.status_code == 200, (path, response.status_code)
    body = response.json()
    model = getattr(cls, "queryset", None)
    model = model.model if model is not None else None
    rows = body.get("results", body) if isinstance(body, dict) else body
    failures += [f"{path} {leak}" for leak in sight.leaks(rows, model)]
    # The detail of the first rows: nested pieces (referrals, attendances...) appear there.
    lookup = getattr(cls, "lookup_field", "pk")
    lookup = "id" if lookup == "pk" else lookup
    for row in (rows if isinstance(rows, list) else [])[:3]:
        if isinstance(row, dict) and lookup in row:
            detail = client.get(f"{path}{row[lookup]}/")
            if detail.status_code == 200:
                failures += [f"{path}{row[lookup]}/ {leak}" for leak in sight.leaks(detail.json(), model)]
    return len(rows) if isinstance(rows, list) else 1


@pytest.mark.parametrize("who", PERSONAS)
def test_no_api_response_carries_an_identifier_outside_the_scope(world, api_for, who):
    persona = user(who)
    sight = Sight(persona)
    assert sum(len(v) for v in sight.hidden_pks.values()), "the world has rows this persona may not see"
    client = api_for(persona)
    failures: list[str] = []
    rows = 0
    for path, cls in list_routes():
        rows += read_route(client, path, cls, failures, sight)
    assert not failures, "\n".join(failures[:40])
    if who is not None and who != "inspector":
        assert rows > 0, "the persona read something"


def test_the_check_sees_a_nested_leak(world, api_for):
    """The check itself: an out-of-scope reference slipped into a nested field is caught."""
    from workers.models import Worker

    sight = Sight(user("agency.angkor"))
    outsider = world["outsider"]
    assert str(outsider.ref) in sight.hidden_strings
    from remittances.models import LiteracyAttendance

    leaked = [{"id": 1, "session": world["session"].pk, "worker": str(outsider.ref)}]
    assert sight.leaks(leaked, LiteracyAttendance)
    nested = [{"worker": {"id": outsider.pk, "ref": str(uuid.uuid4())}}]
    assert sight.leaks(nested, LiteracyAttendance)
    assert not sight.leaks([{"worker": None}], LiteracyAttendance)
    assert Worker.objects.filter(pk=outsider.pk).exists()


def test_the_review_findings_are_fixed(world, api_for):
    """The two leaks the review measured, read directly."""
    angkor = api_for(user("agency.angkor"))
    rows = angkor.get("/api/literacy-attendance/", {"session": world["session"].pk}).json()["results"]
    mine = [r for r in rows if r["session"] == world["session"].pk]
    assert mine and all(r["worker"] != str(world["outsider"].ref) for r in mine)
    assert all(r["sex"] is None for r in mine if r["worker"] is None and not r["name"])
    phnom_penh = api_for(user("officer.phnompenh"))
    record = world["return"]
    body = phnom_penh.get(f"/api/returns/{record.pk}/").json()
    assert body["id"] == record.pk and body["case"] is None
    battambang = api_for(user("officer.battambang"))
    assert battambang.get(f"/api/returns/{record.pk}/").json()["case"]["ref"] == str(record.case.ref)
    assisted = world["assisted"]
    for who in ("agency.angkor", "officer.banteaymeanchey"):
        body = api_for(user(who)).get(f"/api/returns/{assisted.pk}/").json()
        assert body["id"] == assisted.pk and body["worker"]["ref"] is None and body["deployment"] is None, who
        assert body["worker"]["name_latin"] == assisted.worker.name_latin
    body = api_for(user("agency.mekong")).get(f"/api/returns/{assisted.pk}/").json()
    assert body["worker"]["ref"] == str(assisted.worker.ref) and body["deployment"] == str(assisted.deployment.ref)


# --- The change log admin, per role -------------------------------------------------------------------------


LOG = "/admin/auditlog/logentry/"
LOG_READERS = ["licensing", "inspector", "director", "statistician", "complaints", "officer.phnompenh", "agency.angkor"]


def hidden_subjects(who) -> set[tuple[int, str]]:
    from django.contrib.contenttypes.models import ContentType

    sight = Sight(who)
    return {
        (ContentType.objects.get_for_model(model).pk, str(pk)) for model, pks in sight.hidden_pks.items() for pk in pks
    }


@pytest.mark.parametrize("who", LOG_READERS)
def test_the_change_log_shows_only_entries_of_visible_records(world, client_for, who):
    from complaints.models import Complaint

    persona = user(who)
    client = client_for(persona)
    response = client.get(LOG)
    if not persona.has_perm("auditlog.view_logentry"):
        assert response.status_code in (302, 403)
        return
    hidden = hidden_subjects(persona)
    listed = {(e.content_type_id, e.object_pk) for e in response.context["cl"].result_list}
    assert listed and not listed & hidden
    restricted = Complaint.objects.filter(restricted=True).first()
    # Search: the restricted case's reference finds nothing; every hidden entry's detail is a 404.
    search = client.get(LOG, {"q": restricted.ref})
    assert not {(e.content_type_id, e.object_pk) for e in search.context["cl"].result_list} & hidden
    hidden_entries = [e for e in LogEntry.objects.order_by("-pk")[:400] if (e.content_type_id, e.object_pk) in hidden][:10]
    assert hidden_entries
    for entry in hidden_entries:
        assert client.get(f"{LOG}{entry.pk}/change/").status_code == 404


def test_the_demo_world_has_the_rows_the_matrix_needs(world):
    from complaints.models import Complaint
    from workers.models import ReintegrationCase

    assert Complaint.objects.filter(restricted=True).exists()
    assert ReintegrationCase.objects.exclude(province=world["return"].worker.home_province).exists()
    assert LogEntry.objects.filter(content_type__model="complaint").exists()


# --- Write fields accept only rows the caller may see --------------------------------------------------------

SERIALIZER_MODULES = (
    "agencies.api.serializers",
    "complaints.api.serializers",
    "remittances.api.serializers",
    "workers.api.serializers_register",
    "workers.api.serializers_returns",
    "workers.api.serializers_training",
)


def writable_related_fields(serializer, where=""):
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        here = f"{where}.{name}"
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.RelatedField) and not field.read_only:
            yield here, field
        elif isinstance(field, serializers.Serializer):
            yield from writable_related_fields(field, here)


@pytest.mark.parametrize("who", [p for p in PERSONAS if p])
def test_every_write_field_resolves_only_rows_the_caller_may_see(world, rf, who):
    """Every related field a client can write (a job order's id, a worker's reference...) looks
    its value up only among the rows the caller may see: nobody can attach a record to a row
    outside their scope by naming it."""
    from importlib import import_module

    from rest_framework import serializers
    from rest_framework.request import Request

    from migration_portal.core.scoping import visible

    persona = user(who)
    request = rf.get("/")
    request.user = persona
    context = {"request": Request(request)}
    checked = 0
    for module_name in SERIALIZER_MODULES:
        module = import_module(module_name)
        for name, cls in vars(module).items():
            if not (isinstance(cls, type) and issubclass(cls, serializers.Serializer) and cls.__module__ == module_name):
                continue
            for where, field in writable_related_fields(cls(context=context)):
                offered = field.get_queryset()
                model = offered.model
                allowed = set(visible(model, persona).values_list("pk", flat=True))
                outside = set(offered.values_list("pk", flat=True)) - allowed
                assert not outside, f"{name}{where} offers {model.__name__} rows outside {who}'s scope: {sorted(outside)[:5]}"
                checked += 1
    assert checked >= 8
