from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from notifications.services import queue_notification


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
