"""Mastodon status HTML to plain text, with the standard library's html.parser.

Mastodon sends a status as sanitised HTML:

    <p>Hi <span class="h-card" translate="no"><a href="https://x.social/@bob"
    class="u-url mention">@<span>bob</span></a></span></p>
    <p>Menu: <a href="https://bakery.example/menu/autumn"><span class="invisible">https://</span>
    <span class="ellipsis">bakery.example/menu/au</span><span class="invisible">tumn</span></a></p>

- `<p>` is a paragraph (a blank line between two), `<br>` a line break.
- A mention is its visible text, "@bob"; a hashtag "#bread".
- A link's "invisible" and "ellipsis" spans only shorten it on screen (the ellipsis is
  drawn by CSS): all of their text together is the full URL, which is what we keep.
- `class="quote-inline"` marks the "RE: <link>" fallback Mastodon adds to quote posts for
  clients that cannot show quotes; it is not part of what the author wrote.
"""

import re
from html.parser import HTMLParser

_PARAGRAPHS = {"p", "div", "blockquote", "pre", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"}
_VOID = {"br", "img", "hr", "wbr"}  # elements with no end tag
_HIDDEN_CLASSES = {"quote-inline"}
_SPACES = re.compile(r"[ \t\r\n\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._in_pre = 0
        self._hidden_depth = 0  # > 0 while inside an element that is not shown

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag)
        elif self._hidden_depth or _is_hidden(attrs):
            self._hidden_depth += 1
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
            self._in_pre += 1 if tag == "pre" else 0
        elif tag == "li":
            self.parts.append("\n- ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            self._void(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if self._hidden_depth:
            self._hidden_depth -= 1
        elif tag in _PARAGRAPHS:
            self.parts.append("\n\n")
            self._in_pre -= 1 if tag == "pre" and self._in_pre else 0

    def _void(self, tag: str) -> None:
        if tag == "br" and not self._hidden_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data if self._in_pre else _SPACES.sub(" ", data))


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    classes = " ".join(value or "" for name, value in attrs if name == "class").split()
    return any(name in _HIDDEN_CLASSES for name in classes)


def html_to_text(html: str) -> str:
    """The plain text a reader sees in a status, paragraphs as blank lines."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = [line.strip(" ") for line in "".join(collector.parts).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
