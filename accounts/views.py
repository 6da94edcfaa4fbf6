from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils import formats, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views import i18n
from django_ratelimit.decorators import ratelimit

from .forms import PasswordResetForm, SignInForm
from .models import User
from .services import set_preferred_language
from .sessions import remember_the_patron


def set_language(request):
    """Switch the interface language and, for a signed-in user, remember it for the e-mails."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language:
        set_preferred_language(user=request.user, language=language)
    return response


def limit_sign_ins(view):
    """Slow down an address sending sign-in forms faster than people type (SIGN_IN_RATE_...)."""
    return ratelimit(
        key="ip", rate=lambda group, request: settings.SIGN_IN_RATE_PER_ADDRESS, method="POST"
    )(view)


def too_many_attempts(request, exception):
    """Answer a form sent too often from one address or for one account (django-ratelimit)."""
    return render(request, "registration/too_many_attempts.html", status=429)


@method_decorator(limit_sign_ins, name="post")
class LoginView(auth_views.LoginView):
    """Sign in with card number and password, then speak the user's language.

    A language chosen before signing in (the cookie) is an explicit choice and
    becomes the user's preference; otherwise the saved preference applies.
    """

    form_class = SignInForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if form.cleaned_data.get("remember"):
            remember_the_patron(self.request, user)
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else user.preferred_language
        with translation.override(language):
            warning = membership_warning(user)
        if warning:
            messages.warning(self.request, warning)
        if chosen in dict(settings.LANGUAGES):
            set_preferred_language(user=user, language=chosen)
        else:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.preferred_language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response


def membership_warning(user: User) -> str:
    """Return what a patron who cannot reserve must be told on signing in, or ""."""
    if user.has_valid_membership():
        return ""
    if user.membership_expires_on is None:
        return gettext(
            "Your account has no membership: you can still see your orders and loans, but to "
            "reserve, join at any library of the network."
        )
    return gettext(
        "Your membership ended on %(date)s: you can still see your orders and loans, but to "
        "reserve, renew it at any library of the network."
    ) % {"date": formats.date_format(user.membership_expires_on, "j F Y")}


@method_decorator(
    ratelimit(
        key="ip",
        rate=lambda group, request: settings.PASSWORD_RESET_RATE_PER_ADDRESS,
        method="POST",
    ),
    name="post",
)
@method_decorator(
    ratelimit(
        key=lambda group, request: request.POST.get("email", "").strip().lower(),
        rate=lambda group, request: settings.PASSWORD_RESET_RATE_PER_EMAIL,
        method="POST",
    ),
    name="post",
)
class PasswordResetView(auth_views.PasswordResetView):
    """Send a reset link to the e-mail address of an account, pointing at the public site."""

    form_class = PasswordResetForm

    @property
    def extra_email_context(self):
        site = urlsplit(settings.SITE_URL)
        return {"protocol": site.scheme, "domain": site.netloc, "site_name": settings.NETWORK_NAME}
