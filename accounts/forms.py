from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.services import queue_notification


def _remember_help() -> str:
    days = settings.PATRON_REMEMBER_DAYS
    return ngettext(
        "For %(days)s day, even if you close the browser. Not on a shared or public computer.",
        "For %(days)s days, even if you close the browser. Not on a shared or public computer.",
        days,
    ) % {"days": days}


class SignInForm(auth_forms.AuthenticationForm):
    """Card number and password, and whether a patron stays signed in on this device.

    A patron at home during a lockdown should not have to sign in at every visit;
    one on the library's public computer must be signed out when leaving. So
    staying signed in is their choice, off by default (accounts.sessions).
    """

    remember = forms.BooleanField(
        label=_("Stay signed in on this device"),
        required=False,
        help_text=lazy(_remember_help, str)(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not settings.PATRON_REMEMBER_DAYS:
            del self.fields["remember"]


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form (an e-mail address), sending each account's e-mail in its own language."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The address saved on your library account."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        """Queue the link through the outbox, in the account's language, sent after the request.

        Several accounts may share an address (a family): each gets its own e-mail.
        """
        user = context["user"]
        queue_notification(
            kind="password_reset",
            recipient=user,
            context=context,
            dedup_key=f"password_reset:{user.pk}:{context['token']}",
        )
