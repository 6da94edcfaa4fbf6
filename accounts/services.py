from django.conf import settings

from .models import User


def set_preferred_language(*, user: User, language: str) -> bool:
    """Remember the language a user chose, for the pages and the e-mails; return if it changed."""
    if language not in dict(settings.LANGUAGES) or user.preferred_language == language:
        return False
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    user.preferred_language = language
    return True
