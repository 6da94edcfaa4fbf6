"""Forms of the desk and phone-order pages: they parse what was typed or scanned, nothing more."""

from django import forms
from django.utils.translation import gettext_lazy as _

from branches.models import Branch
from reservations.models import Channel


class DeskSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Card number, order reference or slip"),
        help_text=_("Scan the patron's card or the bag slip's QR code, or type the reference."),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class ReturnForm(forms.Form):
    barcode = forms.CharField(
        label=_("Barcode of the copy returned"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class HandOverForm(forms.Form):
    """The documents the patron takes, among the lines the page showed."""

    lines = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, line_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = [(pk, pk) for pk in line_ids]


class PatronSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Card number or last name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ChannelBranchForm(forms.Form):
    """How the order came in, and where the patron will collect it."""

    channel = forms.ChoiceField(
        label=_("The order came by"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.EMAIL, Channel.EMAIL.label)],
        widget=forms.RadioSelect,
    )
    branch = forms.ModelChoiceField(
        label=_("Pickup library"), queryset=Branch.objects.none(), empty_label=None
    )

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = Branch.objects.filter(
            pk__in=[branch.pk for branch in branches]
        ).order_by("name")
        self.fields["branch"].label_from_instance = branch_label

    def clean(self):
        data = super().clean()
        channel, branch = data.get("channel"), data.get("branch")
        if channel and branch:
            accepts = (
                branch.accepts_phone_orders
                if channel == Channel.PHONE
                else branch.accepts_email_orders
            )
            if not accepts:
                raise forms.ValidationError(
                    _("%(branch)s does not take orders by %(channel)s."),
                    params={"branch": branch.name, "channel": Channel(channel).label},
                )
        return data


def branch_label(branch: Branch) -> str:
    channels = [
        str(label)
        for accepts, label in (
            (branch.accepts_phone_orders, Channel.PHONE.label),
            (branch.accepts_email_orders, Channel.EMAIL.label),
        )
        if accepts
    ]
    return f"{branch.name} ({', '.join(channels)})"
