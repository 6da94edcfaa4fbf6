"""The patron's pickup forms: a time to come, a note when they arrive."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import ARRIVAL_NOTE_MAX


class SlotForm(forms.Form):
    """The start of the chosen slot, as the radio buttons send it (ISO 8601 with its offset)."""

    starts_at = forms.CharField(max_length=40)

    error_messages = {
        "required": _("Choose one of the times listed."),
        "invalid": _("This time is not one of those listed: choose again."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starts_at"].error_messages["required"] = self.error_messages["required"]

    def clean_starts_at(self) -> datetime:
        value = self.cleaned_data["starts_at"]
        try:
            starts_at = datetime.fromisoformat(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"]) from None
        if starts_at.tzinfo is None:
            raise forms.ValidationError(self.error_messages["invalid"])
        return starts_at


class ArrivalForm(forms.Form):
    note = forms.CharField(
        label=_("A word for the desk (optional)"),
        help_text=_("Where to find you: “blue car”, “at the side door”."),
        max_length=ARRIVAL_NOTE_MAX,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
