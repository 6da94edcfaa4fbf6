"""The apps' layers (docs/DESIGN.md): an app uses only what lies below it, in code and templates.

Python imports are checked by import-linter against the contract in pyproject.toml.
Templates are checked here: an app's template loads template tags and includes or
extends templates of its own app, of the apps below, of Django and the libraries,
or of the site-wide templates/ (the layout every page extends).
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
LOAD = re.compile(r"{%\s*load\s+([^%]+?)\s*%}")
USES = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")


def layers() -> list[set[str]]:
    """Return the contract's layers, top first, each a set of apps."""
    config = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return [{name.strip() for name in layer.split("|")} for layer in contract["layers"]]


def level(app: str) -> int:
    """Return the app's depth: 0 for the top layer (config, with the site-wide templates/)."""
    return next(index for index, apps in enumerate(layers()) if app in apps)


def test_python_imports_follow_the_layers():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=PROJECT, capture_output=True, text=True, check=False
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def apps_with_templates() -> dict[str, Path]:
    apps = {app for layer in layers() for app in layer}
    return {
        app: PROJECT / app / "templates" for app in apps if (PROJECT / app / "templates").is_dir()
    }


def owner_of_library(library: str) -> str | None:
    """Return the app whose templatetags define the library (None: Django's or a library's)."""
    found = list(PROJECT.glob(f"*/templatetags/{library}.py"))
    return found[0].parts[len(PROJECT.parts)] if found else None


def owner_of_template(name: str) -> str | None:
    """Return the app holding the template (None: the site-wide layout's, Django's, a library's)."""
    for app, folder in apps_with_templates().items():
        if (folder / name).is_file():
            return app
    return None


def upward_uses() -> list[str]:
    """Return every use of a template tag library or template of an app above, as text."""
    found = []
    for app, folder in apps_with_templates().items():
        for template in sorted(folder.rglob("*.*")):
            text = template.read_text()
            used = [
                (library, owner_of_library(library))
                for group in LOAD.findall(text)
                for library in group.split()
                if library != "from"
            ] + [(name, owner_of_template(name)) for name in USES.findall(text)]
            for what, owner in used:
                if owner is not None and owner != app and level(owner) < level(app):
                    found.append(f"{app}: {template.relative_to(folder)} uses {what} of {owner}")
    return found


def test_templates_use_only_what_lies_below():
    assert upward_uses() == []


def test_the_template_check_sees_an_upward_use(tmp_path, monkeypatch):
    """The check above can fail: a catalogue template loading a reservations library."""
    folder = tmp_path / "templates"
    (folder / "catalog").mkdir(parents=True)
    (folder / "catalog" / "upward.html").write_text("{% load i18n pickup_links %}")
    monkeypatch.setattr(sys.modules[__name__], "apps_with_templates", lambda: {"catalog": folder})

    assert upward_uses() == ["catalog: catalog/upward.html uses pickup_links of pickups"]


def test_a_long_module_says_at_its_top_why_it_is_long():
    """Modules stay small; one over 400 lines says why ("Longer than most...") or is split."""
    unexplained = []
    for path in sorted(PROJECT.glob("*/**/*.py")):
        relative = path.relative_to(PROJECT)
        if relative.parts[0] in {".venv", "tests", "bench", "node_modules"}:
            continue
        if "migrations" in relative.parts:
            continue
        text = path.read_text()
        if text.count("\n") <= 400:
            continue
        docstring = text.split('"""')[1] if text.startswith('"""') else ""
        if "longer than most" not in docstring.lower():
            unexplained.append(f"{relative}: {text.count(chr(10))} lines")
    assert unexplained == []
