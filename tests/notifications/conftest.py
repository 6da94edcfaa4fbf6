from pathlib import Path

import pytest

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture(autouse=True)
def _email_test_templates(settings):
    """Make the small `emails/test_event/` templates of these tests findable."""
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]}
    ]
    settings.NETWORK_NAME = "Bibliothèques de Paris"
    settings.SITE_URL = "https://drive.example.org"
