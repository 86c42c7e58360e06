"""Secrets in the tree: detect-secrets' detectors over every text file (cloud keys, private
keys, tokens, keyword assignments in code), plus Warden's own rule for ``NAME=value`` lines
(``.env`` files, shell scripts, user data, container environments) whose name says secret and
whose value is a literal rather than a reference (``${VAR}``, ``$(VAR)``, ``{{ }}``, ``<...>``).

Entropy detectors are left out: on infrastructure code they mostly flag digests and IDs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from warden.scan._model import SecretHit

KEYVALUE_SUFFIXES = (".env", ".sh", ".bash", ".envrc", ".properties", ".ini", ".conf", ".cfg")
_SKIP_PLUGINS = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}
_SECRET_NAME = re.compile(
    r"(pass(word|wd)?|secret|token|api_?key|private_?key|access_?key|credential)",
    re.IGNORECASE,
)
_NOT_SECRET_NAME = re.compile(
    r"[_.-]?(file|path|arn|id|name|ref|url|uri|env|length|ttl|store|version|type|kind|mode|"
    r"enabled|policy|rotation|manager)$",
    re.IGNORECASE,
)
_KEY = re.compile(r"""^\s*(?:-\s*)?(?:export\s+)?["']?([\w.-]+)["']?\s*(?::|=)\s*(.*)$""")
_WORDS = {"password", "secret", "token", "true", "false", "null", "none", "changeme-in-vault"}
_LINE = re.compile(
    r"""^\s*(?:export\s+|ENV\s+|ARG\s+)?(?P<name>[A-Za-z_][\w.-]*)\s*(?:=|:\s)\s*"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^#]*?)\s*(?:\s#.*)?$"""
)
_AWS_SECRET = re.compile(r"aws_secret_access_key|secret_access_key", re.IGNORECASE)
_TOKEN_NAME = re.compile(r"token|api_?key", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"^(\$\{.*\}|\$\(.*\)|\$[A-Za-z_]\w*|\{\{.*\}\}|<[^>]*>|%\(.*\)s?)$")
_CATEGORY = {
    "AWS Access Key": "cloud_key",
    "Azure Storage Account access key": "cloud_key",
    "IBM Cloud IAM Key": "cloud_key",
    "IBM COS HMAC Credentials": "cloud_key",
    "SoftLayer Credentials": "cloud_key",
    "Private Key": "private_key",
    "Secret Keyword": "password",
    "Basic Auth Credentials": "password",
}


def secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name)) and not _NOT_SECRET_NAME.search(name)


def literal(value: object) -> bool:
    """A hard-coded value: a non-empty string that is not a reference or a placeholder."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return False
    text = str(value).strip().strip("\"'")
    return len(text) >= 4 and not _PLACEHOLDER.match(text) and "${" not in text


def line_hits(text: str, file: str, first_line: int = 1, resource: str = "") -> list[SecretHit]:
    """``NAME=value`` (or ``NAME: value``) lines whose name says secret and value is literal."""
    out = []
    for i, line in enumerate(text.splitlines()):
        m = _LINE.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        name, value = m.group("name"), m.group("value")
        if secret_name(name) and literal(value):
            out.append(
                SecretHit(
                    file, first_line + i, _kind(name), f"{name} is set to a literal value", resource
                )
            )
    return out


def env_hit(name: str, value: object, file: str, line: int, resource: str) -> SecretHit | None:
    if secret_name(name) and literal(value):
        return SecretHit(file, line, _kind(name), f"{name} is set to a literal value", resource)
    return None


def _kind(name: str) -> str:
    if _AWS_SECRET.search(name):
        return "cloud_key"
    return "token" if _TOKEN_NAME.search(name) else "password"


def detect(root: Path, files: Sequence[Path]) -> list[SecretHit]:
    """detect-secrets' findings over ``files`` (type names mapped to Warden's kinds)."""
    jobs = [(str(p), p.relative_to(root).as_posix()) for p in files]
    return [SecretHit(rel, line, kind, detail) for rel, line, kind, detail in _detect(jobs)]


def _detect(jobs: list[tuple[str, str]]) -> list[tuple[str, int, str, str]]:
    """detect-secrets over files, one line at a time but only on the lines one of its
    detectors could match (its own patterns, searched first): its per-line, per-plugin loop
    is the slow part of a scan. The loop below is detect-secrets' own line loop
    (``core.scan._process_line_based_plugins``), kept to the candidate lines; detect-secrets
    is pinned below 1.6 for these internals."""
    from detect_secrets.core.scan import _is_filtered_out, _scan_line
    from detect_secrets.plugins.keyword import DENYLIST
    from detect_secrets.settings import default_settings, get_plugins, transient_settings
    from detect_secrets.util.code_snippet import get_code_snippet

    with default_settings() as settings:
        used = [p for p in settings.json()["plugins_used"] if p["name"] not in _SKIP_PLUGINS]
    out: list[tuple[str, int, str, str]] = []
    with transient_settings({"plugins_used": used}):
        plugins = list(get_plugins())
        patterns = [re.compile("|".join(DENYLIST), re.IGNORECASE)]
        for plugin in plugins:
            patterns.extend(getattr(plugin, "denylist", None) or [])
        for path, rel in jobs:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            if not any(p.search(text) for p in patterns):
                continue
            if _is_filtered_out(required_filter_parameters=["filename"], filename=path):
                continue
            lines = text.splitlines()
            for no, raw in enumerate(lines, start=1):
                line = raw.rstrip()
                if not any(p.search(line) for p in patterns):
                    continue
                context = get_code_snippet(lines=lines, line_number=no)
                if _is_filtered_out(
                    required_filter_parameters=["line"], filename=path, line=line, context=context
                ):
                    continue
                for plugin in plugins:
                    for hit in _scan_line(
                        plugin=plugin, filename=path, line=line, line_number=no, context=context
                    ):
                        if _is_filtered_out(
                            required_filter_parameters=["context"],
                            filename=path,
                            secret=hit.secret_value,
                            plugin=plugin,
                            line=line,
                            context=context,
                        ):
                            continue
                        if hit.type == "Secret Keyword" and not _keyword_plausible(line):
                            continue
                        kind = _CATEGORY.get(hit.type, "token")
                        out.append((rel, no, kind, f"{hit.type} (detect-secrets)"))
    return out


def _keyword_plausible(text: str) -> bool:
    """A keyword hit that names a secret and holds a value, not a reference to one
    (``secretName: tls``, ``secret_arn = "arn:..."``, ``secretKey: password``)."""
    m = _KEY.match(text)
    if not m:
        return True
    value = m.group(2).strip().rstrip(",;").strip("\"'")
    if not secret_name(m.group(1)) or not literal(value):
        return False
    return not (
        value.startswith(("arn:", "data.", "var.", "local.", "module.")) or value.lower() in _WORDS
    )


def keyvalue_file(path: Path) -> bool:
    name = path.name.lower()
    return name.startswith(".env") or name.endswith(KEYVALUE_SUFFIXES)
