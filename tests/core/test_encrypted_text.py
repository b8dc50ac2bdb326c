"""Free text that can identify or endanger a person is ciphertext in the database, clear text in the model."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import FieldError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import (
    AgencyResponse,
    Attachment,
    Complaint,
    ConciliationMeeting,
    LegalAidReferral,
    Respondent,
    Settlement,
)
from migration_portal.core.fields import EncryptedCharField, EncryptedTextField
from workers.models import LegalStatusRecord, Referral, ReintegrationCase, Worker

from ..complaints.factories import register, to_settled
from ..workers.factories import WorkerFactory
from ..workers.test_returns import abroad, register_return

pytestmark = pytest.mark.django_db

# The fields docs/security.md lists as encrypted at rest.
ENCRYPTED = [
    (Complaint, "complainant_name"),
    (Complaint, "narrative"),
    (Complaint, "confidential_notes"),
    (Respondent, "details"),
    (Attachment, "description"),
    (ConciliationMeeting, "participants"),
    (ConciliationMeeting, "minutes"),
    (ConciliationMeeting, "agency_response"),
    (Settlement, "terms"),
    (AgencyResponse, "text"),
    (LegalAidReferral, "result"),
    (Worker, "next_of_kin_name"),
    (ReintegrationCase, "assessment_notes"),
    (Referral, "outcome_note"),
    (LegalStatusRecord, "note"),
]


@pytest.fixture
def rows(officer_a, agency_a, settings, tmp_path):
    """One row of every model that holds encrypted free text, made through the services where there is one."""
    settings.MEDIA_ROOT = str(tmp_path)
    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    record = register_return(abroad(departed=timezone.localdate() - timedelta(days=400)).worker, officer_a)
    case = ReintegrationCase.objects.get(return_record=record)
    return {
        Complaint: complaint,
        Respondent: complaint.respondents.get(),
        Attachment: complaint_services.attachment_add(
            complaint=complaint, actor=officer_a, file=SimpleUploadedFile("c.pdf", b"%PDF-1.4"), description="Contract"),
        ConciliationMeeting: complaint.meetings.get(),
        Settlement: settlement,
        AgencyResponse: AgencyResponse.objects.create(complaint=complaint, agency=agency_a, text="We paid."),
        LegalAidReferral: LegalAidReferral.objects.create(complaint=complaint, partner="Legal Aid of Cambodia"),
        Worker: WorkerFactory(),
        ReintegrationCase: case,
        Referral: Referral.objects.create(case=case, kind="legal", partner="Legal Aid of Cambodia"),
        LegalStatusRecord: LegalStatusRecord.objects.create(deployment=record.deployment, status="irregular",
                                                            since=timezone.localdate()),
    }


def raw(model, field: str, pk) -> str | None:
    column = model._meta.get_field(field).column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE id = %s', [pk])  # noqa: S608 - names from _meta
        return cursor.fetchone()[0]


@pytest.mark.parametrize(("model", "field"), ENCRYPTED, ids=[f"{m.__name__}.{f}" for m, f in ENCRYPTED])
def test_stored_as_ciphertext_and_read_back_in_clear(rows, model, field):
    obj = rows[model]
    secret = "Sister Chan Dara, 012 345 678, Poipet: locked in the dormitory, ស្រី"
    setattr(obj, field, secret)
    obj.save(update_fields=[field])
    stored = raw(model, field, obj.pk)
    assert secret not in stored and "Poipet" not in stored and "Dara" not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert getattr(model.objects.get(pk=obj.pk), field) == secret
    assert model.objects.filter(pk=obj.pk).values_list(field, flat=True).get() == secret


@pytest.mark.parametrize(("model", "field"), ENCRYPTED, ids=[f"{m.__name__}.{f}" for m, f in ENCRYPTED])
def test_an_empty_value_stays_empty(rows, model, field):
    obj = rows[model]
    setattr(obj, field, "")
    obj.save(update_fields=[field])
    assert raw(model, field, obj.pk) == ""
    assert getattr(model.objects.get(pk=obj.pk), field) == ""
    assert model.objects.filter(pk=obj.pk, **{field: ""}).exists()


def test_the_listed_fields_are_all_the_encrypted_free_text():
    """A new encrypted free-text field must be added to the list above (and to docs/security.md)."""
    from django.apps import apps

    found = {(m, f.name) for m in apps.get_models() for f in m._meta.get_fields()
             if isinstance(f, EncryptedTextField | EncryptedCharField)}
    assert found == set(ENCRYPTED)


def test_a_search_on_ciphertext_is_refused_not_silently_empty(rows):
    complaint = rows[Complaint]
    for lookup in ({"narrative__icontains": "wages"}, {"narrative": "Wages unpaid for three months."},
                   {"narrative__in": ["Wages unpaid for three months."]}, {"narrative__startswith": "W"}):
        with pytest.raises(FieldError):
            list(Complaint.objects.filter(**lookup))
    assert Complaint.objects.filter(pk=complaint.pk, confidential_notes="").exists()
    assert Complaint.objects.exclude(narrative="").filter(pk=complaint.pk).exists()


def test_the_complaint_admin_still_finds_a_case_by_reference(client_for, superuser, rows):
    complaint = rows[Complaint]
    response = client_for(superuser).get("/admin/complaints/complaint/", {"q": complaint.ref})
    assert response.status_code == 200 and [c.pk for c in response.context["cl"].result_list] == [complaint.pk]


def test_no_encrypted_field_is_written_to_the_change_log_in_clear():
    """Every encrypted column (free text and identity numbers) of a model in the change log
    is masked or left out of it: encryption at rest means nothing if the log keeps a copy."""
    from auditlog.registry import auditlog
    from django.apps import apps
    from encrypted_fields.fields import EncryptedFieldMixin

    clear = []
    for model in auditlog.get_models():
        options = auditlog.get_model_fields(model)
        hidden = set(options["mask_fields"]) | set(options["exclude_fields"])
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedFieldMixin) and field.name not in hidden:
                clear.append(f"{model.__name__}.{field.name}")
    assert apps.ready
    assert clear == []
