"""SQL highlighted at build time with Pygments, so a page needs no script to colour its SQL.

Pygments writes `<span class="…">` around each token (its short token classes: `k` keyword, `s1`
string, `c1` comment…); `static/site.css` colours them. The text is escaped by Pygments itself.
"""

from __future__ import annotations

from functools import cache

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PostgresLexer


@cache
def _formatter() -> HtmlFormatter:
    return HtmlFormatter(nowrap=True)


def sql_html(text: str) -> Markup:
    """`text` as escaped HTML with token spans, for a `<pre><code>` block."""
    return Markup(highlight(text, PostgresLexer(), _formatter()))
