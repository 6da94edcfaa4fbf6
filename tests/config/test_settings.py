"""Settings in both modes, read in a fresh interpreter with a controlled environment."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "debug": settings.DEBUG,
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND,
    "anymail": settings.ANYMAIL,
    "language": settings.LANGUAGE_CODE,
    "languages": [code for code, _ in settings.LANGUAGES],
    "max_items": settings.MAX_ACTIVE_ITEMS,
    "radius": settings.RECOMMENDED_RADIUS_KM,
    "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "staticfiles": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""

# Variables that must not leak from the test run into the probed process.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_URL",
    "EMAIL_BACKEND",
    "LANGUAGE_CODE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def run(code: str, **variables: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in CONFIG_VARIABLES and not key.startswith("ANYMAIL_")
    }
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **variables)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def probe(**variables: str) -> dict:
    result = run(PROBE, **variables)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/clickcollect",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "SECRET_KEY": "a-long-random-production-secret-key-with-enough-entropy-1234567890",
    "EMAIL_URL": "smtp+tls://drive:secret@smtp.example.org:587",
    "ALLOWED_HOSTS": "bibliotheques.example.org",
}


def test_nothing_set_runs_embedded():
    config = probe()

    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"].endswith("db.sqlite3")
    assert config["debug"] is True
    assert config["eager"] is True
    assert config["email"] == "django.core.mail.backends.console.EmailBackend"
    assert config["language"] == "fr"
    assert config["languages"] == ["fr", "en"]
    assert config["max_items"] == 5
    assert config["radius"] == 1.0


def test_real_stack_uses_postgres_redis_and_strict_security():
    config = probe(**PRODUCTION)

    assert config["engine"] == "django.db.backends.postgresql"
    assert config["name"] == "clickcollect"
    assert config["debug"] is False
    assert config["eager"] is False
    assert config["broker"] == "redis://127.0.0.1:6379/0"
    assert config["ssl_redirect"] is True
    assert config["staticfiles"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_esp_is_configured_from_the_environment():
    config = probe(
        EMAIL_BACKEND="anymail.backends.brevo.EmailBackend", ANYMAIL_BREVO_API_KEY="xkeysib-123"
    )

    assert config["email"] == "anymail.backends.brevo.EmailBackend"
    assert config["anymail"] == {"BREVO_API_KEY": "xkeysib-123"}


def test_smtp_is_configured_from_email_url():
    config = probe(EMAIL_URL="smtp://mailpit:1025")

    assert config["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_product_rules_are_read_from_the_environment():
    config = probe(MAX_ACTIVE_ITEMS="3", RECOMMENDED_RADIUS_KM="2.5", LANGUAGE_CODE="en")

    assert (config["max_items"], config["radius"], config["language"]) == (3, 2.5, "en")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_secrets(missing):
    variables = {key: value for key, value in PRODUCTION.items() if key != missing}

    result = run(PROBE, **variables)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_check_deploy_is_clean_with_production_variables():
    result = run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **PRODUCTION,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "key",
    [
        "change-me-this-key-is-only-for-a-local-docker-compose-run",
        "django-insecure-embedded-development-key-only-but-long-enough-1234",
    ],
)
def test_production_refuses_a_published_secret_key(key):
    result = run(PROBE, **{**PRODUCTION, "SECRET_KEY": key})

    assert result.returncode != 0
    assert "SECRET_KEY is a published example" in result.stderr


def deploy_check(**variables) -> subprocess.CompletedProcess:
    return run(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        **variables,
    )


def test_check_deploy_fails_when_e_mails_would_only_be_printed():
    variables = {key: value for key, value in PRODUCTION.items() if key != "EMAIL_URL"}

    result = deploy_check(**variables)

    assert result.returncode != 0
    assert "notifications.E002" in result.stderr


def test_check_deploy_fails_on_an_e_mail_service_without_its_webhook_secret():
    result = deploy_check(
        **PRODUCTION,
        EMAIL_BACKEND="anymail.backends.brevo.EmailBackend",
        ANYMAIL_BREVO_API_KEY="xkeysib-not-a-key",
    )

    assert result.returncode != 0
    assert "notifications.E001" in result.stderr


def test_check_deploy_fails_when_the_admin_asks_for_no_second_factor():
    result = deploy_check(**PRODUCTION, ADMIN_TWO_FACTOR="false")

    assert result.returncode != 0
    assert "accounts.W001" in result.stderr
