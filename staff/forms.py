"""Forms of the queue, pull list and preparation pages: they parse, services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reservations.models import OPEN_STATUSES, ReservationStatus


class QueueFilterForm(forms.Form):
    """Filter the queue by one of the user's branches and by status; bad values are ignored."""

    branch = forms.ModelChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All my branches")
    )
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches
        self.fields["status"].choices = [("", _("Any status"))] + [
            (status, ReservationStatus(status).label) for status in OPEN_STATUSES
        ]

    def value(self, name):
        """Return the cleaned value of a field, or None when it was missing or invalid."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None


class PullListBranchForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, empty_label=None)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches


class ScanForm(forms.Form):
    """One barcode, typed or scanned (a scanner types it, then Enter)."""

    barcode = forms.CharField(
        label=_("Barcode"),
        max_length=64,
        error_messages={"required": _("Scan or type a barcode.")},
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
