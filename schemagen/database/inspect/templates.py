"""The templates inspection renders: the same ones `render` and the planner use, so what inspect
compares a database with is what schemagen would create."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["Macro", "Templates"]


class Macro(Protocol):
    """A template macro: called with its arguments, it returns the text it renders."""

    def __call__(self, *args: Any) -> str: ...


class Templates:
    """The built-in templates, or those of a `templates` folder overriding them by name; Jinja is
    loaded when the first template is (an inspection of a database without functions never does)."""

    def __init__(self, templates: Path | None = None) -> None:
        self.folder = templates

    @cached_property
    def environment(self) -> Environment:
        from schemagen.render.templating import make_environment

        return make_environment(self.folder)

    def macro(self, template: str, name: str) -> Macro:
        """The macro `name` of `template` (e.g. `postgres/index.sql.j2`, `create_index`)."""
        found: Macro = getattr(self.environment.get_template(template).module, name)
        return found

    def render(self, template: str, name: str, *args: Any) -> str:
        """What the macro `name` of `template` renders for `args`, as text."""
        return str(self.macro(template, name)(*args))
