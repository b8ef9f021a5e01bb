"""Who receives what: `reports/recipients.yaml` (setting TAIZHANG_RECIPIENTS), which ops and
analysts edit; `reports/recipients.example.yaml` shows the form.

A file that does not parse, an unknown unit, a contact without a channel or a bad address is
one error naming its line, before anything is sent. Secrets may be written `env:NAME`; they
are resolved only when a message is sent, and never printed (`Contact.describe`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CHANNELS = ("email", "wecom", "dingtalk", "feishu", "webhook")
REPORT_KINDS = ("weekly", "monthly", "annual", "duty")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class RecipientsError(ValueError):
    """The recipients file cannot be used as written."""


@dataclass(frozen=True)
class Contact:
    name: str
    channels: dict[str, str]          # channel -> address (a secret may be `env:NAME`)
    secret: str | None = None         # DingTalk's signing secret
    line: int = 0

    def describe(self) -> str:
        """The contact as printed: its name and channels, addresses of robots hidden (they hold keys)."""
        shown = [f"{c} {a}" if c == "email" else c for c, a in self.channels.items()]
        return f"{self.name}（{'、'.join(shown)}）"


@dataclass
class Recipients:
    reports: dict[str, list[Contact]] = field(default_factory=dict)
    units: dict[str, Contact] = field(default_factory=dict)


def _contact(node: yaml.Node, name: str | None, path: Path) -> Contact:
    line = node.start_mark.line + 1
    entry = yaml.safe_load(yaml.serialize(node))
    if not isinstance(entry, dict):
        raise RecipientsError(f"{path}, line {line}: a contact is a mapping like {{name: 王芳, email: wangfang@example.org}}")
    unknown = set(entry) - set(CHANNELS) - {"name", "secret"}
    if unknown:
        raise RecipientsError(f"{path}, line {line}: unknown key {', '.join(sorted(map(str, unknown)))}; "
                              f"a contact has a name and one of {', '.join(CHANNELS)}")
    channels = {c: str(entry[c]) for c in CHANNELS if entry.get(c)}
    if not channels:
        raise RecipientsError(f"{path}, line {line}: the contact has no channel: give one of {', '.join(CHANNELS)}")
    if "email" in channels and not _EMAIL.match(channels["email"]):
        raise RecipientsError(f"{path}, line {line}: “{channels['email']}” is not an e-mail address")
    for channel in ("wecom", "dingtalk", "feishu", "webhook"):  # an intranet may reach them through a proxy
        if channel in channels and not channels[channel].startswith(("http://", "https://")):
            raise RecipientsError(f"{path}, line {line}: the {channel} address “{channels[channel][:40]}” is not "
                                  "an http(s) address; copy it from the robot's settings")
    return Contact(str(entry.get("name") or name or ""), channels, entry.get("secret"), line)


def load_recipients(path: Path, units: set[str] | None = None) -> Recipients:
    """The recipients of `path`, checked line by line; with `units`, every unit must be one of them."""
    try:
        document = yaml.compose(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RecipientsError(f"recipients file {path} does not exist: copy reports/recipients.example.yaml "
                              "to it and fill in real addresses (or set TAIZHANG_RECIPIENTS)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise RecipientsError(f"{path}{f', line {mark.line + 1}' if mark else ''}: not valid YAML "
                              f"({getattr(error, 'problem', error)})") from None
    out = Recipients()
    if document is None:
        return out
    sections = {key.value: value for key, value in document.value} if isinstance(document, yaml.MappingNode) else None
    if sections is None or set(sections) - {"reports", "units"}:
        raise RecipientsError(f"{path}, line {document.start_mark.line + 1}: the file has two sections, "
                              "`reports:` and `units:`")
    for key, value in getattr(sections.get("reports"), "value", None) or []:
        if key.value not in REPORT_KINDS:
            raise RecipientsError(f"{path}, line {key.start_mark.line + 1}: “{key.value}” is not a report type "
                                  f"({', '.join(REPORT_KINDS)})")
        items = value.value if isinstance(value, yaml.SequenceNode) else [value]
        out.reports[key.value] = [_contact(item, None, path) for item in items]
    for key, value in getattr(sections.get("units"), "value", None) or []:
        if units is not None and key.value not in units:
            raise RecipientsError(f"{path}, line {key.start_mark.line + 1}: unit “{key.value}” is not in the "
                                  "register: use its name as the register writes it")
        out.units[key.value] = _contact(value, key.value, path)
    return out
