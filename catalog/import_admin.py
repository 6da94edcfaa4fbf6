"""Admin screens of the catalogue imports: upload, dry-run report, confirm, progress.

An upload is checked by a dry run (a Celery task) before anything is
written; its page shows the report and, to those allowed to run imports, an
"Import" button leading to a confirmation form (no JavaScript needed). The
page follows a worker at work by itself (polled), or reloads without
JavaScript.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.publishing import publish_quietly

from . import services
from .imports.formats import SNIFF_BYTES, Format, NotACatalogueFile, detect_format
from .imports.records import ErrorKind
from .imports.report import ImportReport
from .models import CatalogImport, IlsBranchCode
from .tasks import check_catalogue_upload, run_catalogue_upload

RUN_PERMISSION = "catalog.run_catalogimport"
PROGRESS_POLL_SECONDS = 2
WORKING = (CatalogImport.Status.CHECKING, CatalogImport.Status.IMPORTING)


class CatalogUploadForm(forms.ModelForm):
    format = forms.ChoiceField(
        label=gettext_lazy("format"),
        choices=[("", gettext_lazy("Guess from the file")), *Format.choices],
        required=False,
    )

    class Meta:
        model = CatalogImport
        fields = ("file", "format", "full_export")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" not in self.fields:
            return  # the page of an import made: read-only
        self.fields["file"].required = True
        self.fields["file"].help_text = _(
            "A UNIMARC or MARC 21 file (ISO 2709), MARCXML, or a CSV with a header naming at "
            "least record_id and title; up to %(size)s MB. Nothing is written before you "
            "have seen the dry run's report and confirmed."
        ) % {"size": settings.CATALOG_UPLOAD_MAX_MB}

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > settings.CATALOG_UPLOAD_MAX_MB * 1024 * 1024:
            raise forms.ValidationError(
                _(
                    "This file is larger than %(size)s MB: import it with the nightly folder "
                    "or the import_catalog command."
                )
                % {"size": settings.CATALOG_UPLOAD_MAX_MB}
            )
        head = uploaded.read(SNIFF_BYTES)
        uploaded.seek(0)
        try:
            self.detected_format = detect_format(head)
        except NotACatalogueFile:
            raise forms.ValidationError(services.NOT_A_CATALOGUE_FILE) from None
        return uploaded


def describe_progress(catalog_import: CatalogImport) -> dict:
    """What the progress display shows: status, bytes read, a sentence, whether it moves."""
    percent = catalog_import.percent_done
    if catalog_import.status == CatalogImport.Status.CHECKING:
        text = _("Dry run: %(percent)s%% of the file read.") % {"percent": percent}
    elif catalog_import.status == CatalogImport.Status.IMPORTING:
        text = _("Import: %(percent)s%% of the file read.") % {"percent": percent}
    elif catalog_import.status == CatalogImport.Status.CHECKED:
        text = _("Dry run finished: read its report, then import or leave it.")
    elif catalog_import.status == CatalogImport.Status.DONE:
        text = _("Import finished.")
    elif catalog_import.status == CatalogImport.Status.FAILED:
        text = catalog_import.error_message or _("The import failed.")
    else:
        text = _("Waiting for a worker.")
    return {
        "status": catalog_import.status,
        "status_display": catalog_import.get_status_display(),
        "value": catalog_import.bytes_done,
        "max": catalog_import.bytes_total,
        "text": text,
        "working": catalog_import.status in WORKING
        or catalog_import.status == CatalogImport.Status.UPLOADED,
    }


def report_context(data: dict | None) -> dict | None:
    if not data:
        return None
    report = ImportReport.from_json(data)
    return {
        "lines": report.summary_lines(),
        "errors": [
            {"label": ErrorKind.label(kind), "count": entry.count, "examples": entry.examples}
            for kind, entry in sorted(report.errors.items(), key=lambda item: -item[1].count)
        ],
        "kept_barcodes": report.kept_barcodes,
        "unknown_branches": report.unknown_branches.most_common(),
    }


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    form = CatalogUploadForm
    change_form_template = "admin/catalog/catalogimport/change_form.html"
    list_display = ("source_name", "origin", "status", "created_by", "created_at", "outcome")
    list_filter = ("status", "origin")
    date_hierarchy = "created_at"
    search_fields = ("source_name",)
    readonly_fields = (
        "source_name",
        "origin",
        "status",
        "format",
        "full_export",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )
    fieldsets = (
        (None, {"fields": ("source_name", ("origin", "status"), ("format", "full_export"))}),
        (
            gettext_lazy("History"),
            {"fields": (("created_by", "created_at"), ("started_at", "finished_at"))},
        ),
    )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return ((None, {"fields": ("file", "format", "full_export")}),)
        return self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # An import is a record of what happened: shown, never edited.
        if obj is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status in WORKING:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=gettext_lazy("outcome"))
    def outcome(self, obj: CatalogImport) -> str:
        data = obj.report or obj.check_report
        if obj.status == CatalogImport.Status.FAILED:
            return obj.error_message[:120]
        if not data:
            return "—"
        report = ImportReport.from_json(data)
        return _("%(read)s records: %(created)s new, %(updated)s changed; %(skipped)s skipped") % {
            "read": number_format(report.records_read, force_grouping=True),
            "created": number_format(report.records_created, force_grouping=True),
            "updated": number_format(report.records_updated, force_grouping=True),
            "skipped": number_format(report.records_rejected, force_grouping=True),
        }

    def save_model(self, request, obj, form, change):
        upload = services.create_upload(
            uploaded_file=form.cleaned_data["file"],
            file_format=form.cleaned_data["format"],
            full_export=form.cleaned_data["full_export"],
            by=request.user,
        )
        # The admin logs the addition and redirects with the form's instance.
        obj.pk, obj.source_name = upload.pk, upload.source_name
        obj._state.adding = False
        transaction.on_commit(lambda: publish_quietly(check_catalogue_upload, upload.pk))

    def save_related(self, request, form, formsets, change):
        pass  # nothing related: the upload is made by the service

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request,
            _("File received: its dry run reads it and writes nothing. Check its report below."),
            messages.INFO,
        )
        return HttpResponseRedirect(self._url("change", obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        catalog_import = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if catalog_import is not None:
            can_run = request.user.has_perm(RUN_PERMISSION)
            extra_context.update(
                progress=describe_progress(catalog_import),
                progress_url=self._url("progress", catalog_import),
                poll_seconds=PROGRESS_POLL_SECONDS,
                check_report=report_context(catalog_import.check_report),
                final_report=report_context(catalog_import.report),
                import_url=self._url("confirm", catalog_import)
                if can_run and catalog_import.status == CatalogImport.Status.CHECKED
                else None,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/confirm/", view(self.confirm_view), name=self._name("confirm")),
            path("<int:pk>/progress/", view(self.progress_view), name=self._name("progress")),
            *super().get_urls(),
        ]

    def _name(self, action: str) -> str:
        return f"catalog_catalogimport_{action}"

    def _url(self, action: str, obj: CatalogImport) -> str:
        return reverse(f"admin:{self._name(action)}", args=[obj.pk])

    def _import_or_404(self, request, pk) -> CatalogImport:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(CatalogImport, pk=pk)

    def progress_view(self, request, pk):
        return JsonResponse(describe_progress(self._import_or_404(request, pk)))

    def confirm_view(self, request, pk):
        """Show the dry run's figures again (GET); start the import (POST)."""
        catalog_import = self._import_or_404(request, pk)
        change_url = self._url("change", catalog_import)
        if not request.user.has_perm(RUN_PERMISSION):
            self.message_user(
                request,
                _("You are not allowed to run catalogue imports: ask a network administrator."),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        not_confirmable = _(
            "This import cannot start: only a file whose dry run is finished can be imported, once."
        )
        if request.method == "POST":
            try:
                catalog_import = services.confirm_upload(catalog_import=catalog_import)
            except services.ImportNotConfirmable:
                self.message_user(request, not_confirmable, messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(request, _("Import started."), messages.SUCCESS)
            if not publish_quietly(run_catalogue_upload, catalog_import.pk):
                self.message_user(
                    request,
                    _(
                        "The workers cannot be reached right now: the import will start by "
                        "itself within a few minutes of their return."
                    ),
                    messages.WARNING,
                )
            return HttpResponseRedirect(change_url)
        if catalog_import.status != CatalogImport.Status.CHECKED:
            # Reloaded or bookmarked once imported: offer no button that can only fail.
            self.message_user(request, not_confirmable, messages.ERROR)
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import this file"),
            "catalog_import": catalog_import,
            "check_report": report_context(catalog_import.check_report),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/catalog/catalogimport/confirm.html", context)


@admin.register(IlsBranchCode)
class IlsBranchCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "branch")
    list_select_related = ("branch",)
    search_fields = ("code", "branch__name", "branch__code")
    autocomplete_fields = ("branch",)
