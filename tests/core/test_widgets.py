"""QuickSelect writes the HTML Django's Select writes, without its templates."""

import re

import pytest
from django import forms

from core.widgets import QuickSelect


def _tags_only(html: str) -> str:
    """Drop the whitespace between tags, which the two renderings lay out differently."""
    return re.sub(r">\s+<", "><", html).strip()


CHOICES = [
    ("", "Tous"),
    ("fre", "Français"),
    ("x<y", 'Quotes " & <brackets>'),
    ("Audio", [("cd", "CD"), ("lp", "Vinyle")]),
]


@pytest.mark.parametrize(
    ("value", "attrs"),
    [
        (None, None),
        ("fre", {"id": "id_language"}),
        ("x<y", {"id": "id_language", "class": "filter", "aria-describedby": "help"}),
        ("lp", {"required": True, "disabled": False}),
        ("unknown", {"autofocus": True}),
    ],
)
def test_the_html_is_django_s_select_html(value, attrs):
    expected = forms.Select(choices=CHOICES).render("language", value, attrs=attrs)
    rendered = QuickSelect(choices=CHOICES).render("language", value, attrs=attrs)

    assert _tags_only(str(rendered)) == _tags_only(str(expected))


def test_the_chosen_option_is_selected_and_labels_are_escaped():
    html = str(QuickSelect(choices=CHOICES).render("language", "x<y"))

    assert '<option value="x&lt;y" selected>' in html
    assert "Quotes &quot; &amp; &lt;brackets&gt;" in html
    assert '<option value="fre">' in html


def test_a_bound_form_field_renders_through_it():
    class Filters(forms.Form):
        language = forms.ChoiceField(choices=CHOICES, required=False, widget=QuickSelect)

    html = str(Filters(data={"language": "cd"})["language"])

    assert '<select name="language" id="id_language">' in html
    assert '<optgroup label="Audio">' in html
    assert '<option value="cd" selected>CD</option>' in html
