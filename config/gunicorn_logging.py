"""gunicorn's access log without what identifies a patron.

A signed link of an e-mail (``/pickup/<token>/``) opens an order without
signing in, a password-reset link sets a password, and query strings carry
card numbers searched at the desk or a patron's position: none of them is
written to the log, which keeps the method, the path's shape, the status and
the timing for operators.
"""

import re

from gunicorn.glogging import Logger

SECRET_SEGMENTS = [
    (re.compile(r"^/pickup/[^/]+"), "/pickup/-"),
    (re.compile(r"^/accounts/password-reset/[^/]+/[^/]+/"), "/accounts/password-reset/-/-/"),
]


def masked_path(path: str) -> str:
    """Return the path with its secret segments replaced by '-'."""
    for pattern, replacement in SECRET_SEGMENTS:
        path = pattern.sub(replacement, path)
    return path


class PrivacyLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = masked_path(environ.get("PATH_INFO", ""))
        atoms["r"] = (
            f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        )
        atoms["U"] = path
        atoms["q"] = ""
        # The page a patron came from may itself be a signed link or a search.
        referer = atoms.get("f", "-")
        atoms["f"] = re.sub(r"^(https?://[^/]+).*$", r"\1/", referer) if referer != "-" else "-"
        return atoms
