"""Admin screens of the extension campaigns: draft, dry run, start, live progress, undo.

A campaign is edited only while it is a draft. Starting, resuming and undoing
are buttons leading to a confirmation page (a plain form: no JavaScript
needed); they need the `run_extensioncampaign` permission, and go through
reservations.campaigns, which checks the rules again under a row lock. The
work itself is done by a Celery worker; the change page shows its progress,
polled every few seconds.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.publishing import publish_quietly

from . import campaigns
from .admin_readonly import ReadOnlyModelAdmin
from .models import CampaignKind, CampaignStatus, ExtensionCampaign, ExtensionChange
from .tasks import carry_on_campaign

RUN_PERMISSION = "reservations.run_extensioncampaign"
# Seconds between two looks at the progress of a campaign at work.
PROGRESS_POLL_SECONDS = 2


class ExtensionCampaignForm(forms.ModelForm):
    class Meta:
        model = ExtensionCampaign
        fields = (
            "name",
            "kind",
            "reason",
            "due_from",
            "due_to",
            "ended_on_or_after",
            "shift_amount",
            "shift_unit",
            "notify_patrons",
        )
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser says it at once; the model's clean() says it without JavaScript.
        if "shift_amount" in self.fields:  # absent when the campaign is read-only
            self.fields["shift_amount"].widget.attrs["min"] = 1


def _count(number: int) -> str:
    return number_format(number, force_grouping=True)


def describe_progress(campaign: ExtensionCampaign) -> dict:
    """Return what the progress display shows: status, figures, a sentence, and whether it moves."""
    loans = campaign.kind == CampaignKind.LOANS
    if campaign.status in (CampaignStatus.UNDOING, CampaignStatus.UNDONE):
        value, maximum = campaign.rows_undone, campaign.rows_done
        if loans:
            text = ngettext(
                "%(done)s of %(total)s loan given back its old due date.",
                "%(done)s of %(total)s loans given back their old due date.",
                maximum,
            )
        else:
            text = ngettext(
                "%(done)s of %(total)s membership given back its old end date.",
                "%(done)s of %(total)s memberships given back their old end date.",
                maximum,
            )
    else:
        value, maximum = campaign.rows_done, campaign.rows_total
        if loans:
            text = ngettext(
                "%(done)s of %(total)s loan extended.",
                "%(done)s of %(total)s loans extended.",
                maximum,
            )
        else:
            text = ngettext(
                "%(done)s of %(total)s membership extended.",
                "%(done)s of %(total)s memberships extended.",
                maximum,
            )
    text = text % {"done": _count(value), "total": _count(maximum)}
    if campaign.notify_patrons and campaign.status == CampaignStatus.DONE:
        if campaign.notified_at is None:
            text += " " + _("E-mails being queued: %(count)s so far.") % {
                "count": _count(campaign.notifications_queued)
            }
        else:
            text += " " + ngettext(
                "%(count)s e-mail queued to patrons.",
                "%(count)s e-mails queued to patrons.",
                campaign.notifications_queued,
            ) % {"count": _count(campaign.notifications_queued)}
    return {
        "status": campaign.status,
        "status_display": campaign.get_status_display(),
        "value": value,
        "max": maximum,
        "text": text,
        "working": campaigns.work_left(campaign),
    }


@admin.register(ExtensionCampaign)
class ExtensionCampaignAdmin(admin.ModelAdmin):
    form = ExtensionCampaignForm
    change_form_template = "admin/reservations/extensioncampaign/change_form.html"
    list_display = ("name", "kind", "shift", "status", "progress_text", "started_at")
    list_filter = ("status", "kind")
    search_fields = ("name",)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("name", "kind", "reason")}),
        (
            gettext_lazy("Selection"),
            {
                "fields": (("due_from", "due_to"), "ended_on_or_after"),
                "description": gettext_lazy(
                    "Loans: the current loans due between two dates (both empty: every "
                    "current loan). Memberships: those that ended on or after a date, and "
                    "before the day the campaign starts."
                ),
            },
        ),
        (gettext_lazy("Extension"), {"fields": (("shift_amount", "shift_unit"), "notify_patrons")}),
    )
    run_fieldsets = (
        (
            gettext_lazy("Run"),
            {
                "fields": (
                    ("created_by", "created_at"),
                    ("started_at", "finished_at"),
                    "changes_link",
                )
            },
        ),
    )
    draft_fieldsets = ((gettext_lazy("Dry run"), {"fields": ("dry_run_text",)}),)

    # Pages ---------------------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        if obj.status == CampaignStatus.DRAFT:
            return self.fieldsets + self.draft_fieldsets
        return self.fieldsets + self.run_fieldsets

    def get_readonly_fields(self, request, obj=None):
        computed = ("dry_run_text", "changes_link", "created_by", "created_at")
        if obj is None or obj.status == CampaignStatus.DRAFT:
            return computed + ("started_at", "finished_at")
        return (*computed, "started_at", "finished_at", *self.form.Meta.fields)

    def has_change_permission(self, request, obj=None):
        # Shown read-only once started: the dates it moved must match what it says.
        if obj is not None and obj.status != CampaignStatus.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Its change rows are what undo needs: only a draft may go.
        if obj is not None and obj.status != CampaignStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_dry_run(request, obj) or super().response_add(
            request, obj, post_url_continue
        )

    def response_change(self, request, obj):
        return self._back_to_dry_run(request, obj) or super().response_change(request, obj)

    def _back_to_dry_run(self, request, obj):
        """After saving a draft, show its page with the dry run instead of the list."""
        if "_addanother" in request.POST or obj.status != CampaignStatus.DRAFT:
            return None
        self.message_user(request, self._dry_run_sentence(obj), messages.INFO)
        return HttpResponseRedirect(self._url("change", obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        campaign = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if campaign is not None:
            extra_context.update(
                campaign_actions=self._actions_for(request, campaign),
                progress=describe_progress(campaign),
                progress_url=self._url("progress", campaign),
                poll_seconds=PROGRESS_POLL_SECONDS,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # Computed fields -----------------------------------------------------------------------

    @admin.display(description=gettext_lazy("extension"))
    def shift(self, obj):
        return f"+{obj.shift_amount} {obj.get_shift_unit_display()}"

    @admin.display(description=gettext_lazy("progress"))
    def progress_text(self, obj):
        if obj.status == CampaignStatus.DRAFT:
            return "—"
        return describe_progress(obj)["text"]

    @admin.display(description=gettext_lazy("if started now"))
    def dry_run_text(self, obj):
        if obj is None or obj.pk is None:
            return _("Save the draft to see how many it selects.")
        return self._dry_run_sentence(obj)

    @admin.display(description=gettext_lazy("changes"))
    def changes_link(self, obj):
        url = reverse("admin:reservations_extensionchange_changelist")
        return format_html(
            '<a href="{}?campaign__id__exact={}">{}</a>',
            url,
            obj.pk,
            _("Every date this campaign changed, with its old value"),
        )

    @staticmethod
    def _dry_run_sentence(campaign: ExtensionCampaign) -> str:
        rows, patrons = campaigns.dry_run_summary(campaign=campaign)
        if rows == 0:
            return _("Selects nothing today: change the dates before starting it.")
        if campaign.kind == CampaignKind.LOANS:
            return _("Would extend %(loans)s of %(patrons)s.") % {
                "loans": ngettext("%(count)s loan", "%(count)s loans", rows)
                % {"count": _count(rows)},
                "patrons": ngettext("%(count)s patron", "%(count)s patrons", patrons)
                % {"count": _count(patrons)},
            }
        return ngettext(
            "Would extend %(rows)s membership.", "Would extend %(rows)s memberships.", rows
        ) % {"rows": _count(rows)}

    # Actions: start, resume, undo ----------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/start/", view(self.start_view), name=self._name("start")),
            path("<int:pk>/resume/", view(self.resume_view), name=self._name("resume")),
            path("<int:pk>/undo/", view(self.undo_view), name=self._name("undo")),
            path("<int:pk>/progress/", view(self.progress_view), name=self._name("progress")),
            *super().get_urls(),
        ]

    def _name(self, action: str) -> str:
        return f"reservations_extensioncampaign_{action}"

    def _url(self, action: str, campaign: ExtensionCampaign) -> str:
        return reverse(f"admin:{self._name(action)}", args=[campaign.pk])

    def _actions_for(self, request, campaign: ExtensionCampaign) -> list[dict]:
        if not request.user.has_perm(RUN_PERMISSION):
            return []
        actions = []
        if campaign.status == CampaignStatus.DRAFT:
            actions.append({"url": self._url("start", campaign), "label": _("Start")})
        # A campaign at work needs no push; one whose worker was lost (or that failed) does.
        if campaign.status == CampaignStatus.FAILED or campaigns.is_stalled(campaign):
            actions.append({"url": self._url("resume", campaign), "label": _("Resume")})
        if campaign.status in (CampaignStatus.DONE, CampaignStatus.FAILED):
            actions.append({"url": self._url("undo", campaign), "label": _("Undo")})
        return actions

    def progress_view(self, request, pk):
        campaign = self._campaign_or_404(request, pk)
        return JsonResponse(describe_progress(campaign))

    def start_view(self, request, pk):
        return self._confirm(
            request,
            pk,
            title=_("Start the campaign"),
            button=_("Start the campaign"),
            act=lambda campaign: campaigns.start_campaign(campaign=campaign, by=request.user),
            done=_("Campaign “%(name)s” started: %(total)s rows to change."),
        )

    def resume_view(self, request, pk):
        def resume(campaign):
            if campaign.status == CampaignStatus.FAILED:
                # Running again now, so that the sweeper carries it on if no worker can.
                return campaigns.resume_campaign(campaign.pk)
            if not campaigns.work_left(campaign):
                raise campaigns.NotRunnable(
                    name=campaign.name, status=campaign.get_status_display()
                )
            return campaign

        return self._confirm(
            request,
            pk,
            title=_("Resume the campaign"),
            button=_("Resume the campaign"),
            act=resume,
            done=_("Campaign “%(name)s” resumes where it stopped."),
        )

    def undo_view(self, request, pk):
        return self._confirm(
            request,
            pk,
            title=_("Undo the campaign"),
            button=_("Undo the campaign"),
            act=lambda campaign: campaigns.start_undo(campaign=campaign, by=request.user),
            done=_("Campaign “%(name)s” is being undone."),
        )

    def _campaign_or_404(self, request, pk) -> ExtensionCampaign:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ExtensionCampaign, pk=pk)

    def _confirm(self, request, pk, *, title, button, act, done):
        """Show what the action will do (GET); do it and hand the work to a worker (POST)."""
        campaign = self._campaign_or_404(request, pk)
        change_url = self._url("change", campaign)
        if not request.user.has_perm(RUN_PERMISSION):
            self.message_user(
                request,
                _(
                    "You are not allowed to start, resume or undo campaigns: "
                    "ask a network administrator."
                ),
                messages.ERROR,
            )
            return HttpResponseRedirect(change_url)
        if request.method == "POST":
            try:
                campaign = act(campaign)
            except campaigns.CampaignError as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(
                request,
                done % {"name": campaign.name, "total": _count(campaign.rows_total)},
                messages.SUCCESS,
            )
            if not publish_quietly(carry_on_campaign, campaign.pk):
                self.message_user(
                    request,
                    _(
                        "The workers cannot be reached right now: the campaign will carry on "
                        "by itself within a few minutes of their return."
                    ),
                    messages.WARNING,
                )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "button": button,
            "campaign": campaign,
            "dry_run": self._dry_run_sentence(campaign)
            if campaign.status == CampaignStatus.DRAFT
            else None,
            "progress": describe_progress(campaign),
            "undo": "undo" in request.resolver_match.url_name,
            "change_url": change_url,
        }
        return TemplateResponse(
            request, "admin/reservations/extensioncampaign/confirm.html", context
        )


@admin.register(ExtensionChange)
class ExtensionChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("campaign", "loan", "patron", "old_date", "new_date")
    list_filter = ("campaign",)
    list_select_related = ("campaign", "loan__item", "loan__patron", "patron")
    search_fields = ("=loan__item__barcode", "=loan__patron__card_number", "=patron__card_number")
    raw_id_fields = ("loan", "patron")
    show_full_result_count = False
