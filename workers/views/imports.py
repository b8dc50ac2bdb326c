"""An agency's bulk import of workers: the upload page, the template file, and the list of its imports.

The page parses nothing itself: ``imports.worker_import_start`` checks the file's
shape and queues the job, and the browser goes to the job's page (/jobs/<pk>/),
which refreshes itself until the job is done and then lists every row's errors.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from migration_portal.core.models import BackgroundJob
from migration_portal.core.scoping import Role, visible
from migration_portal.core.views_base import RoleRequiredMixin

from .. import imports
from ..forms.imports import WorkerImportForm

RECENT_JOBS = 10


def column_help() -> list[tuple[str, bool, str]]:
    """(column, required, what to write): shown beside the upload form."""
    return [
        ("name_latin", True, _("Name in Latin letters, family name first.")),
        ("name_km", False, _("Name in Khmer script.")),
        ("sex", True, _("M or F.")),
        ("date_of_birth", True, _("YYYY-MM-DD (or DD/MM/YYYY).")),
        ("national_id", False, _("National ID number. Give it or the passport number: workers are recognised by them.")),
        ("passport_number", False, _("Passport number.")),
        ("passport_expiry", False, _("YYYY-MM-DD.")),
        ("phone", False, _("Phone number.")),
        ("home_province", True, _("Province code (01-25) or English name.")),
        ("district", False, _("District.")),
        ("commune", False, _("Commune.")),
        ("village", False, _("Village.")),
        ("education", False, _("none, primary, lower_secondary, upper_secondary, vocational or tertiary.")),
        ("job_order_ref", False, _("To register a deployment: the reference of your approved job order. "
                                   "Leave this and the next columns empty for no deployment.")),
        ("country", False, _("Destination code or name; it must match the job order (empty: the job order's).")),
        ("sector", False, _("Sector code or name; it must match the job order (empty: the job order's).")),
        ("occupation", False, _("Empty: the job order's occupation.")),
        ("contract_start", False, _("YYYY-MM-DD.")),
        ("contract_end", False, _("YYYY-MM-DD, after the start.")),
    ]


class WorkerImportView(RoleRequiredMixin, View):
    """Agency users only: their own agency's imports, nobody else's."""

    allowed_roles = (Role.AGENCY,)
    template_name = "workers/imports/import.html"

    def recent_jobs(self):
        # Scoped through visible_to: an agency sees only the jobs of its own agency.
        return visible(BackgroundJob, self.request.user).filter(kind=imports.JOB_KIND).order_by("-created", "-id")[:RECENT_JOBS]

    def render_page(self, form, status=200):
        context = {"form": form, "jobs": self.recent_jobs(), "columns": column_help(), "max_rows": imports.limits().max_rows}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(WorkerImportForm())

    def post(self, request):
        form = WorkerImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = imports.worker_import_start(actor=request.user, upload=form.cleaned_data["file"])
            except ValidationError as exc:
                for message in exc.message_dict.get("file", exc.messages):
                    form.add_error("file", message)
            else:
                messages.success(request, _("The file was received: %(n)d rows are being checked.") % {"n": job.total})
                return redirect("job-detail", pk=job.pk)
        return self.render_page(form, status=400)


class WorkerImportTemplateView(RoleRequiredMixin, View):
    """The template file, CSV or XLSX: the columns and two example rows."""

    allowed_roles = (Role.AGENCY,)

    def get(self, request, fmt: str):
        if fmt == "csv":
            response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        elif fmt == "xlsx":
            response = HttpResponse(
                imports.template_xlsx(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        else:
            raise Http404
        response["Content-Disposition"] = f'attachment; filename="worker-import-template.{fmt}"'
        return response
