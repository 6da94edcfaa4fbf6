from django.conf import settings
from django.contrib.auth import views as auth_views
from django.views import i18n

from .services import set_preferred_language


def set_language(request):
    """Switch the interface language and, for a signed-in user, remember it for the e-mails."""
    response = i18n.set_language(request)
    language = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and language:
        set_preferred_language(user=request.user, language=language)
    return response


class LoginView(auth_views.LoginView):
    """Sign in with card number and password, then speak the user's language.

    A language chosen before signing in (the cookie) is an explicit choice and
    becomes the user's preference; otherwise the saved preference applies.
    """

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        chosen = self.request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
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
