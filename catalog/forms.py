from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from branches.geo import normalize_postcode
from branches.models import Branch
from core.widgets import QuickSelect

from .models import DocumentType
from .search import MAX_QUERY_LENGTH, SearchFilters
from .selectors import search_filter_choices

# The languages patrons can filter on (ISO 639-2/B codes, as catalogued).
# A fixed list: asking the database for its distinct languages would read a million rows.
LANGUAGE_NAMES = {
    "fre": _("French"),
    "eng": _("English"),
    "ger": _("German"),
    "spa": _("Spanish"),
    "ita": _("Italian"),
    "por": _("Portuguese"),
    "ara": _("Arabic"),
    "chi": _("Chinese"),
    "jpn": _("Japanese"),
    "rus": _("Russian"),
    "dut": _("Dutch"),
    "mul": _("Several languages"),
    "zxx": _("No linguistic content"),
}


def language_name(code: str) -> str:
    """Return the name of an ISO 639-2 language code, or the code itself if unknown."""
    return str(LANGUAGE_NAMES.get(code, code))


class SearchForm(forms.Form):
    """The catalogue search: a query and optional filters, all from the query string.

    A filter value that does not exist is an error of its own field; the search
    runs with the other fields (see ``filters``).
    """

    q = forms.CharField(
        label=_("Search the catalogue"),
        required=False,
        help_text=_("Title, author, subject… Accents and capitals do not matter."),
    )
    type = forms.ModelChoiceField(
        label=_("Document type"),
        queryset=DocumentType.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=pgettext_lazy("document type", "All"),
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Unknown document type: ignored.")},
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Unknown language: ignored.")},
    )
    branch = forms.ModelChoiceField(
        label=_("On the shelf at"),
        queryset=Branch.objects.click_and_collect().order_by("name"),
        to_field_name="code",
        required=False,
        empty_label=pgettext_lazy("branch", "Any library"),
        widget=QuickSelect,
        error_messages={"invalid_choice": _("Unknown library: ignored.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", pgettext_lazy("language", "All"))] + sorted(
            ((code, language_name(code)) for code in LANGUAGE_NAMES), key=lambda c: c[1]
        )
        # Listed from the cache; a value sent is still checked against the database.
        choices = search_filter_choices()
        for name in ("type", "branch"):
            field = self.fields[name]
            field.widget.choices = [("", field.empty_label), *choices[name]]
        self.query_truncated = False

    def clean_q(self) -> str:
        query = " ".join(self.cleaned_data["q"].split())
        if len(query) > MAX_QUERY_LENGTH:
            self.query_truncated = True
            query = query[:MAX_QUERY_LENGTH]
        return query

    @property
    def query(self) -> str:
        return self.cleaned_data.get("q", "") if hasattr(self, "cleaned_data") else ""

    @property
    def filters(self) -> SearchFilters:
        """Return the valid filters; call after is_valid(), which may be False."""
        data = self.cleaned_data
        return SearchFilters(
            document_type=data.get("type"),
            language=data.get("language") or "",
            branch=data.get("branch"),
        )


class PostcodeForm(forms.Form):
    """Where the patron is, to list the libraries nearest first (works without JavaScript)."""

    postcode = forms.CharField(
        label=_("Your postcode"),
        max_length=10,
        required=False,
        help_text=_("To list the libraries nearest to you first, e.g. 75018."),
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"]
        if value and not normalize_postcode(value):
            raise forms.ValidationError(_("Enter a postcode, e.g. 75018."))
        return normalize_postcode(value)
