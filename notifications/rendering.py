"""Render an e-mail's subject, plain-text and HTML bodies from its kind's templates.

Each kind has a folder `emails/<kind>/` with `subject.txt`, `body.txt` and,
optionally, `body.html`. Bodies usually extend `emails/base.txt` and
`emails/base.html`. Plain-text templates are rendered without HTML escaping.
"""

from dataclasses import dataclass

from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def render_email(*, kind: str, language: str, context: dict) -> RenderedEmail:
    """Render the e-mail of `kind` in `language`; the HTML body is empty when it has no template."""
    with translation.override(language):
        subject = " ".join(_render_text(f"emails/{kind}/subject.txt", context).split())
        body_text = _render_text(f"emails/{kind}/body.txt", context).strip() + "\n"
        try:
            body_html = get_template(f"emails/{kind}/body.html").render(context)
        except TemplateDoesNotExist:
            body_html = ""
    return RenderedEmail(subject=subject, body_text=body_text, body_html=body_html.strip())


def _render_text(template_name: str, context: dict) -> str:
    # Plain text must not be HTML-escaped ("Click & collect", "L'Heure joyeuse"):
    # render the Django template itself with autoescape off.
    template = get_template(template_name)
    return template.template.render(Context(context, autoescape=False))
