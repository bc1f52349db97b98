"""The blocks of a Markdown text as CommonMark parses them, and positions in the text.

markdown-it-py (CommonMark with tables, nesting bounded by ``maxNesting``) turns the text into a
token stream; ``Reader`` folds it into a tree of ``Block`` (headings, paragraphs, lists and their
items, tables and their rows, fences, quotes, HTML), each with its line range, and answers the
questions the Markdown reader asks of it: which top-level blocks lie between two offsets, where a
list item's text starts after its marker, whether a paragraph opens with a bold label, a table
row's cells, and ``entries``, the pieces (list items, paragraphs, table rows, a cell's ``<br>``
pieces) of a range. Every answer is a ``Span``: offsets into the text and the line it starts on,
so whatever is built from them is the file's own text.
"""

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

MAX_NESTING = 20
# Inline: a bold label opening a paragraph, and list markers opening an item or a cell piece.
BOLD_LABEL = re.compile(r"(\*\*|__)(.+?)\1")
LIST_MARKER = re.compile(r"[ \t]*(?:[-+*\u2022]|\d{1,9}[.)])[ \t]+")
BREAK = re.compile(r"<br\s*/?>", re.I)


@dataclass(frozen=True)
class Span:
    """Where a value is written: character offsets into the (newline-normalised) text, and the
    1-based line it starts on."""

    start: int
    end: int
    line: int


@dataclass
class Block:
    """A block the parser found: its kind, its lines, its inline text and the blocks inside."""

    kind: str
    first: int
    last: int
    token: Token
    inline: Token | None = None
    children: list["Block"] = field(default_factory=list)
    header: bool = False


@cache
def _parser() -> MarkdownIt:
    """One parser for every answer: ``parse`` keeps no state between calls."""
    return MarkdownIt("commonmark", {"maxNesting": MAX_NESTING}).enable("table")


class Reader:
    """One Markdown answer being read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        self.starts += [match.end() for match in re.finditer("\n", text)]
        self.blocks = self._tree(_parser().parse(text))
        self.firsts = [block.first for block in self.blocks]
        self.hr_lines = {block.first for block in self.blocks if block.kind == "hr"}

    # -- positions ---------------------------------------------------------------------------

    def offset(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def span(self, start: int, end: int) -> Span | None:
        """The span of the text between two offsets, without surrounding space or rules."""
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        while end > start and self.line(end - 1) - 1 in self.hr_lines:
            end = self.offset(self.line(end - 1) - 1)
            while end > start and self.text[end - 1].isspace():
                end -= 1
        return Span(start, end, self.line(start)) if end > start else None

    def between(self, start: int, end: int) -> list[Block]:
        """The top-level blocks that may overlap two offsets (found by bisection, so reading
        many sections stays linear)."""
        low = max(0, bisect.bisect_right(self.firsts, self.line(start) - 1) - 1)
        high = bisect.bisect_right(self.firsts, self.line(max(start, end - 1)) - 1)
        return self.blocks[low:high]

    def value(self, span: Span | None) -> str:
        return "" if span is None else self.text[span.start : span.end]

    # -- the block tree ----------------------------------------------------------------------

    def _tree(self, tokens: list[Token]) -> list[Block]:
        root: list[Block] = []
        stack: list[Block] = []
        for token in tokens:
            if token.nesting == 1 and token.map is not None:
                block = Block(token.type.removesuffix("_open"), token.map[0], token.map[1], token)
                block.header = bool(stack) and stack[-1].kind == "thead"
                (stack[-1].children if stack else root).append(block)
                stack.append(block)
            elif token.nesting == 1:
                stack.append(Block(token.type.removesuffix("_open"), -1, -1, token))
                if len(stack) > 1 and stack[-2].kind == "tr":
                    stack[-2].children.append(stack[-1])
            elif token.nesting == -1:
                if stack:
                    stack.pop()
            elif token.type == "inline":
                if stack:
                    stack[-1].inline = token
            elif token.map is not None:
                block = Block(token.type, token.map[0], token.map[1], token)
                (stack[-1].children if stack else root).append(block)
        return root

    def start_of(self, block: Block) -> int:
        """Where a block's own text starts: after a list item's marker."""
        start = self.offset(block.first)
        if block.kind == "list_item":
            marker = LIST_MARKER.match(self.text, start)
            if marker is not None:
                return marker.end()
        return start

    def end_of(self, block: Block) -> int:
        return self.offset(block.last)

    def bold_label(self, block: Block) -> tuple[str, int, int] | None:
        """A bold label opening a paragraph: its text, where it starts and where it ends."""
        inline = block.inline
        opening = (
            next(
                (
                    child
                    for child in (inline.children or [])
                    if child.type != "text" or child.content
                ),
                None,
            )
            if inline is not None
            else None
        )
        if inline is None or opening is None or opening.type != "strong_open":
            return None
        line_start = self.offset(block.first)
        line_end = self.offset(block.first + 1)
        first = inline.content.split("\n", 1)[0]
        at = self.text.find(first, line_start, line_end)
        match = BOLD_LABEL.match(self.text, at) if at >= 0 else None
        if match is None:
            return None
        return match.group(2), match.start(), match.end()

    def cells(self, row: Block) -> list[tuple[int, int]]:
        """A table row's cells as offsets, split at unescaped pipes of its line."""
        start, end = self.offset(row.first), self.offset(row.first + 1)
        line = self.text[start:end].rstrip("\n")
        bounds: list[tuple[int, int]] = []
        cell_start = 0
        for index, char in enumerate(line):
            if char == "|" and (index == 0 or line[index - 1] != "\\"):
                bounds.append((cell_start, index))
                cell_start = index + 1
        bounds.append((cell_start, len(line)))
        if bounds and not line[bounds[0][0] : bounds[0][1]].strip():
            bounds = bounds[1:]
        if bounds and not line[bounds[-1][0] : bounds[-1][1]].strip():
            bounds = bounds[:-1]
        return [(start + a, start + b) for a, b in bounds]

    # -- entries: the pieces of an anchored range --------------------------------------------

    def entries(self, start: int, end: int, blocks: list[Block] | None = None) -> Iterator[Span]:
        """The list items, paragraphs and table rows between two offsets, each clipped to them:
        an item that is one bold-labelled list item yields the blocks nested in it."""
        if blocks is None:
            if self.line(start) == self.line(max(start, end - 1)) and self._in_table(start):
                yield from self._pieces(start, end)
                return
            blocks = self.between(start, end)
        for block in blocks:
            if block.first < 0:
                continue
            block_start, block_end = self.start_of(block), self.end_of(block)
            if block_end <= start or block_start >= end:
                continue
            if block.kind in ("bullet_list", "ordered_list", "tbody", "thead"):
                yield from self.entries(start, end, block.children)
            elif block.kind == "list_item":
                if block_start >= start and block_end <= end:
                    if span := self.span(block_start, block_end):
                        yield span
                else:
                    yield from self.entries(start, end, block.children)
            elif block.kind == "table":
                yield from self.entries(start, end, block.children)
            elif block.kind == "tr":
                if block.header:
                    continue
                cells = self.cells(block)
                if cells and (span := self.span(max(cells[0][0], start), min(cells[-1][1], end))):
                    yield span
            elif block.kind in ("heading", "hr"):
                continue
            elif span := self.span(max(block_start, start), min(block_end, end)):
                yield span

    def _in_table(self, offset: int) -> bool:
        line = self.line(offset) - 1
        return any(
            block.kind == "table" and block.first <= line < block.last
            for block in self.between(offset, offset + 1)
        )

    def _pieces(self, start: int, end: int) -> Iterator[Span]:
        """A table cell's pieces, split at ``<br>``, each without its list marker."""
        piece_start = start
        for match in [*BREAK.finditer(self.text, start, end), None]:
            piece_end = end if match is None else match.start()
            marker = LIST_MARKER.match(self.text, piece_start, piece_end)
            if span := self.span(marker.end() if marker else piece_start, piece_end):
                yield span
            if match is not None:
                piece_start = match.end()
