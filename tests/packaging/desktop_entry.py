"""A strict reader for freedesktop ``.desktop`` files (Desktop Entry Specification 1.5).

``desktop-file-validate`` is the reference checker, but it is not installed
everywhere the tests run; this module implements the rules that make an entry
valid (file format, required keys, value types, Exec field codes, categories)
so the test means the same thing on every machine.

See https://specifications.freedesktop.org/desktop-entry-spec/latest/ and
https://specifications.freedesktop.org/menu-spec/latest/ (categories).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

MAIN_GROUP = "Desktop Entry"
KNOWN_VERSIONS = {"1.0", "1.1", "1.2", "1.3", "1.4", "1.5"}
TYPES = {"Application", "Link", "Directory"}

# Key -> value type, from the spec's table of recognised keys.
KEY_TYPES = {
    "Type": "string", "Version": "string", "Name": "localestring", "GenericName": "localestring",
    "NoDisplay": "boolean", "Comment": "localestring", "Icon": "iconstring", "Hidden": "boolean",
    "OnlyShowIn": "strings", "NotShowIn": "strings", "DBusActivatable": "boolean", "TryExec": "string",
    "Exec": "string", "Path": "string", "Terminal": "boolean", "Actions": "strings", "MimeType": "strings",
    "Categories": "strings", "Implements": "strings", "Keywords": "localestrings",
    "StartupNotify": "boolean", "StartupWMClass": "string", "URL": "string",
    "PrefersNonDefaultGPU": "boolean", "SingleMainWindow": "boolean",
}
LOCALIZABLE = {"localestring", "localestrings", "iconstring"}

# Registered main categories (Desktop Menu Specification, appendix A).
MAIN_CATEGORIES = {
    "AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
    "Office", "Science", "Settings", "System", "Utility",
}
# Additional categories this project could plausibly use, with the main
# categories the menu spec says they belong with.
ADDITIONAL_CATEGORIES = {
    "Profiling": {"Development"}, "Debugger": {"Development"}, "IDE": {"Development"},
    "ArtificialIntelligence": {"Education", "Science"}, "DataVisualization": {"Education", "Science"},
    "Monitor": {"System", "Network"},
}

EXEC_CODES = {"f", "F", "u", "U", "i", "c", "k", "%"}
DEPRECATED_EXEC_CODES = {"d", "D", "n", "N", "v", "m"}
_GROUP_RE = re.compile(r"^\[([^\[\]\x00-\x1f\x7f]+)\]$")
# Key, then an optional [lang_COUNTRY.ENCODING@MODIFIER] locale.
_KEY_RE = re.compile(
    r"^([A-Za-z0-9-]+)(?:\[([A-Za-z]{2,3}(?:_[A-Za-z0-9]+)?(?:\.[A-Za-z0-9-]+)?(?:@[A-Za-z0-9]+)?)\])?$"
)
_ESCAPE_RE = re.compile(r"\\(.)")


@dataclass
class DesktopEntry:
    """A parsed ``.desktop`` file: its groups and the problems found."""

    path: Path
    groups: dict[str, dict[str, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def main(self) -> dict[str, str]:
        return self.groups.get(MAIN_GROUP, {})


def parse(path: str | Path) -> DesktopEntry:
    """Read ``path`` and check the file format (not yet the keys)."""
    entry = DesktopEntry(Path(path))
    raw = entry.path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        entry.errors.append(f"not UTF-8: {exc}")
        return entry
    group: dict[str, str] | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        header = _GROUP_RE.match(line)
        if header:
            name = header.group(1)
            if name in entry.groups:
                entry.errors.append(f"line {number}: group [{name}] appears twice")
            if not entry.groups and name != MAIN_GROUP:
                entry.errors.append(f"line {number}: the first group must be [{MAIN_GROUP}], not [{name}]")
            group = entry.groups.setdefault(name, {})
            continue
        if group is None:
            entry.errors.append(f"line {number}: {line!r} comes before any group header")
            continue
        if "=" not in line:
            entry.errors.append(f"line {number}: {line!r} is neither a comment, a group header nor Key=Value")
            continue
        key, value = line.split("=", 1)
        key, value = key.rstrip(), value.lstrip()
        if not _KEY_RE.match(key):
            entry.errors.append(f"line {number}: {key!r} is not a valid key (A-Za-z0-9- with an optional [locale])")
            continue
        if key in group:
            entry.errors.append(f"line {number}: key {key!r} appears twice in its group")
        group[key] = value
    if MAIN_GROUP not in entry.groups:
        entry.errors.append(f"no [{MAIN_GROUP}] group")
    return entry


def split_list(value: str) -> list[str]:
    """The items of a ``;``-separated list value (``\\;`` escapes a separator)."""
    items, current, escaped = [], "", False
    for ch in value:
        if escaped:
            current += ch if ch == ";" else "\\" + ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == ";":
            items.append(current)
            current = ""
        else:
            current += ch
    if current:
        items.append(current)
    return items


def _check_value(key: str, kind: str, value: str) -> list[str]:
    errors = []
    if kind == "boolean" and value not in ("true", "false"):
        errors.append(f"{key}={value!r}: a boolean is 'true' or 'false'")
    if kind in ("string", "strings") and (not value.isascii() or any(ord(c) < 32 for c in value)):
        errors.append(f"{key}={value!r}: a string value must be printable ASCII")
    for match in _ESCAPE_RE.finditer(value):
        if match.group(1) not in "sntr\\;":
            errors.append(f"{key}={value!r}: unknown escape sequence \\{match.group(1)}")
    if kind in ("strings", "localestrings") and value and not value.endswith(";"):
        errors.append(f"{key}={value!r}: a list value should end with ';'")
    return errors


def _check_exec(value: str) -> list[str]:
    errors = []
    codes = re.findall(r"%(.)", value.replace("%%", ""))
    for code in codes:
        if code in DEPRECATED_EXEC_CODES:
            errors.append(f"Exec: field code %{code} is deprecated")
        elif code not in EXEC_CODES:
            errors.append(f"Exec: unknown field code %{code}")
    if sum(code in "fFuU" for code in codes) > 1:
        errors.append("Exec: at most one of %f, %F, %u, %U may appear")
    if value.count('"') % 2:
        errors.append("Exec: unbalanced double quote")
    return errors


def _check_categories(value: str) -> list[str]:
    cats = split_list(value)
    errors = []
    if not any(c in MAIN_CATEGORIES for c in cats):
        errors.append(f"Categories={value!r}: needs one main category ({', '.join(sorted(MAIN_CATEGORIES))})")
    for c in cats:
        if c in MAIN_CATEGORIES or c.startswith("X-"):
            continue
        needs = ADDITIONAL_CATEGORIES.get(c)
        if needs is None:
            errors.append(f"Categories: {c!r} is not a category this checker knows (prefix private ones with X-)")
        elif not needs & set(cats):
            errors.append(f"Categories: {c!r} requires one of {', '.join(sorted(needs))}")
    return errors


def validate(entry: DesktopEntry) -> list[str]:
    """Every problem with ``entry``: the format errors plus the key rules."""
    errors = list(entry.errors)
    main = entry.main
    for key, value in main.items():
        base = _KEY_RE.match(key).group(1)
        locale = _KEY_RE.match(key).group(2)
        if base.startswith("X-"):
            continue
        kind = KEY_TYPES.get(base)
        if kind is None:
            errors.append(f"{key}: not a key of the specification (private keys start with X-)")
            continue
        if locale and kind not in LOCALIZABLE:
            errors.append(f"{key}: {base} cannot be localised")
        errors.extend(_check_value(key, kind, value))
    for required in ("Type", "Name"):
        if required not in main:
            errors.append(f"missing required key {required}")
    kind = main.get("Type")
    if kind is not None and kind not in TYPES:
        errors.append(f"Type={kind!r}: must be one of {', '.join(sorted(TYPES))}")
    if kind == "Application" and "Exec" not in main and main.get("DBusActivatable") != "true":
        errors.append("Type=Application needs Exec (or DBusActivatable=true)")
    if kind == "Link" and "URL" not in main:
        errors.append("Type=Link needs URL")
    if "Version" in main and main["Version"] not in KNOWN_VERSIONS:
        errors.append(f"Version={main['Version']!r}: not a version of the specification")
    if "Exec" in main:
        errors.extend(_check_exec(main["Exec"]))
    if "Categories" in main:
        errors.extend(_check_categories(main["Categories"]))
    icon = main.get("Icon", "")
    if icon and not icon.startswith("/") and Path(icon).suffix in (".png", ".svg", ".xpm"):
        errors.append(f"Icon={icon!r}: a themed icon name has no file extension")
    return errors
