"""Forms of the patron's pages: they parse what was posted; the rules live in the services."""

import secrets

from django import forms
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from branches.geo import normalize_postcode
from branches.models import Branch


class PositionForm(forms.Form):
    """Where to measure distances from: a postcode, or the browser's position (hidden fields)."""

    postcode = forms.CharField(
        label=_("Your postcode"),
        required=False,
        max_length=10,
        help_text=_("For example 75018. The libraries are then listed nearest first."),
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"]
        postcode = normalize_postcode(value)
        if value.strip() and not postcode:
            raise forms.ValidationError(_("A postcode has 2 to 10 letters or digits."))
        return postcode


class RecordForm(forms.Form):
    """A record posted to the basket, and where to go back to afterwards."""

    record = forms.CharField(max_length=20)
    next = forms.CharField(required=False, max_length=2000)

    def next_url(self, request, default: str) -> str:
        """Return the page to go back to: `next` when it is on this site, else `default`."""
        url = (self.cleaned_data.get("next") or "") if hasattr(self, "cleaned_data") else ""
        if url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return url
        return default


class CheckoutForm(forms.Form):
    """The pickup branch chosen, and the basket as the patron saw it.

    Any branch is accepted here: `submit_reservation` refuses, with a message
    naming it, a branch whose click & collect is off.
    """

    branch = forms.ModelChoiceField(
        queryset=Branch.objects.all(),
        error_messages={
            "required": _("Choose the library where you will collect your documents."),
            "invalid_choice": _("This library is unknown: choose one from the list."),
        },
    )
    records = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages={
            "invalid_choice": _(
                "Your basket has changed since the page was shown: check it and confirm again."
            )
        },
    )

    # Drawn when the page is shown (new_submission_key): a form sent twice places one order.
    submission = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", required=False)

    def __init__(self, *args, basket_ids: list[int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.basket_ids = basket_ids
        self.fields["records"].choices = [(str(pk), str(pk)) for pk in basket_ids]

    def clean(self):
        cleaned = super().clean()
        posted = cleaned.get("records")
        # Not posted at all (an older page): the basket as it is. Posted: exactly the basket.
        if posted and sorted(posted) != sorted(self.basket_ids):
            raise forms.ValidationError(
                _("Your basket has changed since the page was shown: check it and confirm again.")
            )
        return cleaned


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)
