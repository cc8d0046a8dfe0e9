"""A view's reloptions (`check_option=cascaded`, `security_barrier=true`, …) read into what the spec says
of it; any other option, or one on a materialized view, is left to a warning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

_TRUE = {"true", "on", "yes", "1"}
_FALSE = {"false", "off", "no", "0"}


@dataclass
class ViewOptions:
    security_barrier: bool = False
    security_invoker: bool = False
    check_option: Literal["local", "cascaded"] | None = None
    unknown: list[str] = field(default_factory=list)


def view_options(options: Sequence[str], materialized: bool) -> ViewOptions:
    found = ViewOptions()
    for option in options:
        name, _, value = option.partition("=")
        value = value.lower()
        if materialized:
            found.unknown.append(option)
        elif name in ("security_barrier", "security_invoker") and value in _TRUE:
            setattr(found, name, True)
        elif name in ("security_barrier", "security_invoker") and value in _FALSE:
            continue  # the default
        elif name == "check_option" and value == "local":
            found.check_option = "local"
        elif name == "check_option" and value == "cascaded":
            found.check_option = "cascaded"
        else:
            found.unknown.append(option)
    return found
