"""Reading an agent's Markdown answer into the result document, every value a span of the file.

Coding agents answer in Markdown, each in its own layout. markdown-it-py (CommonMark, with
tables) finds the blocks, so a heading inside a code fence, an HTML block or a block quote is
text, never structure; nesting is bounded by the parser (``maxNesting``). The reader (``blocks``
holds the block tree and positions) then works in three steps:

1. Sections. A candidate starts at a heading such as ``Candidate A — Title``, ``Candidate A:
   Title``, ``Spec 139 — Title`` or ``A. Title``; the level most such headings use is the
   candidates' level, and a candidate runs to the next heading at that level or above. What
   precedes the first candidate (context, numbering notes, an "at a glance" table) belongs to
   none. What follows the last one is where the closing sections are looked for; so is a
   heading such as ``A. Recommended implementation order`` that ends a candidate.
2. Anchors. Inside a candidate, an item begins where a subheading (``### 4. Summary``), a bold
   label opening a paragraph or a list item (``**Summary.**``, ``**Summary:** text``,
   ``4. **Summary:** text``) or the first cell of a two-column table row names it, in the words
   of ``vocabulary.ITEM_NAMES``. It runs to the next anchor. Where an item has a subheading,
   that is the item: a bold label of its name inside another item is text (``_ranges``). The
   closing sections are anchored the same way by ``vocabulary.CLOSING_NAMES``, as headings, a
   bold list or one section with all four.
3. Values. Prose items are the text as written between anchors; list items are the anchored
   range's list items, paragraphs or table rows (a cell's ``<br>`` pieces); a boundary is one
   per spec an entry names, its statement going on through the entries after it that name no
   spec; fixed-set values (status, delivery, priority) and labels are read from the words
   written, and keep the span they were read from. A prose or fixed-set item a candidate's
   section leaves out may be given in an overview table before the first candidate (a row per
   candidate, a column per item: ``_overview``).

Nothing is invented: every extracted value is a slice of the file, kept with its line
(``MarkdownAnswer.spans``). What cannot be located is recorded in ``missing``, with whether
something in the candidate resembles it, so the rules can tell a missing item from one the
reader could not find. An "Explicit statements" subsection is read as the four statements; where
a candidate has none, its whole text is kept (``whole_texts``) for the rules to judge them over.
"""

import bisect
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from specrun.document.blocks import BOLD_LABEL, Block, Reader, Span
from specrun.document.model import (
    DELIVERY_RECOMMENDATIONS,
    LIST_ITEMS,
    PRIORITIES,
    STATUSES,
    THEMES,
)
from specrun.document.vocabulary import (
    CLOSING_NAMES,
    CLOSING_TRACES,
    ITEM_NAMES,
    ITEM_TRACES,
    RELATIONSHIP_WORDS,
    SENTENCE_STOP,
    STATEMENT_NAMES,
    fold,
)

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CLOSING = "closing sections"
PREAMBLE = "preamble"
ASIDE = "other text"  # where a finding in a candidate's text outside its items points
NOT_PROSE = frozenset({"fence", "code_block", "html_block"})
# Items an overview table cannot give: lists, boundaries and statements are read as structure.
TABLED_APART = frozenset({*LIST_ITEMS, "boundary_to_existing_specs", "explicit_statements"})
ITEMS = (
    "label",
    "working_title",
    "status",
    "summary",
    "why_needed_now",
    "boundary_to_existing_specs",
    "problem_statement",
    "goals",
    "non_goals",
    "scope",
    "target_model",
    "key_requirements",
    "risks_if_not_implemented",
    "dependencies_and_sequencing",
    "delivery_recommendation",
    "implementation_priority",
    "slug",
)
CLOSING_PARTS = tuple(CLOSING_NAMES)
STATEMENTS = tuple(STATEMENT_NAMES)
FOLDED_ITEMS = {fold(name): item for item, names in ITEM_NAMES.items() for name in names}
FOLDED_CLOSING = [(fold(name), part) for part, names in CLOSING_NAMES.items() for name in names]

# Headings that open a candidate, read from the heading's text as the parser gives it.
CANDIDATE_HEADING = re.compile(
    r"candidate\s+([A-Za-z]|\d{1,2})(?=$|[\s:.,;)*_\u2014\u2013-])", re.I
)
SPEC_HEADING = re.compile(r"spec(?:ification)?\s*#?\s*(\d{1,6})\b", re.I)
LETTER_HEADING = re.compile(r"([A-Z])[.):][*_]*\s+(?=\S)")
HEADING_NUMBER = re.compile(r"\d{1,3}[.)]\s+")
TITLE_SEPARATOR = re.compile(r"[\s\u2014\u2013:.,*_-]*")
LETTER_MENTION = re.compile(r"\(\s*candidate\s+([A-Z])\s*\)", re.I)
CODE_SPAN = re.compile(r"`+([^`]+)`+")
SPEC_NAMED = re.compile(
    r"\bspecs?\s*#?\s*(\d{3})\b((?:\s*(?:,|and|or|&|/)\s*#?\d{3}\b)*)|\bspecs/(\d{3})-", re.I
)
NUMBER = re.compile(r"\d{3}")
RELATIONSHIP = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in RELATIONSHIP_WORDS) + r")\b", re.I
)
NAMING_MARKS = ":\u2014\u2013-"  # after a bold label that only names what follows
ROW_LABEL = re.compile(r"Candidate ([A-Z])\b")  # an overview row's first cell opens with it
FULL_LABEL = re.compile(r"\bcandidate\s+([A-Z])\b|\bspec\s+(\d{3})\b", re.I)
BARE_LETTER = re.compile(r"(?<![\w\-/.'\u2019])([A-D])(?![\w\-])")
ARTICLE_A = re.compile(r"\s+(?!and\b|or\b|then\b|plus\b|first\b)[a-z]")
PARENTHESIS = re.compile(r"\**\s*\(([^()\n]{1,80})\)\s*:?\s*")
SENTENCE_END = re.compile(SENTENCE_STOP + r"|\n\s*\n", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z][\w-]*")
# The level of an anchor that is a bold label or a table row: below every heading.
NOT_A_HEADING = 7
# How a label is named: the item or closing section, and where further text in it starts.
Naming = Callable[[str], tuple[str, int] | None]


@dataclass(frozen=True)
class Anchor:
    """Where an item or closing section begins: ``block`` delimits what came before it,
    ``content`` is where its own text starts, ``end`` where it must stop at the latest."""

    name: str
    block: int
    content: int
    end: int | None = None
    level: int = NOT_A_HEADING
    nested: bool = False  # a bold label or table row inside a list item


@dataclass
class Section:
    """A candidate's section of the answer."""

    start: int
    end: int
    heading: Block
    letter: str | None
    label: Span | None
    number: int | None
    title: Span | None


@dataclass
class MarkdownAnswer:
    """An answer read from Markdown: the result document's data, and where every value is."""

    text: str
    data: dict[str, Any]
    spans: dict[str, Span] = field(default_factory=dict)
    whole_texts: dict[str, str] = field(default_factory=dict)
    missing: dict[str, bool] = field(default_factory=dict)
    doubts: list[tuple[str, str, str, str]] = field(default_factory=list)
    preamble: str = ""
    # Text of a candidate's section that no item holds ("Open questions"), by its location
    # ("Candidate C > other text").
    asides: dict[str, str] = field(default_factory=dict)
    starts: list[int] = field(default_factory=list)
    sections: dict[str, Span] = field(default_factory=dict)

    def line_of(self, location: str, evidence: str = "") -> int | None:
        """The line a finding at ``location`` points to: where its evidence is written inside
        the located value when it can be found, else where the value starts."""
        key = location
        while key and key not in self.spans:
            cut = max(key.rfind("."), key.rfind("["), key.rfind(" > "))
            key = key[:cut] if cut > 0 else ""
        span = self.spans.get(key)
        if span is None:
            return None
        words = evidence.rstrip("…").split()[:8]
        section = self.sections.get(location.split(" > ")[0])
        for area in (span, section) if words else ():
            if area is None:
                continue
            pattern = re.compile(r"\s+".join(re.escape(word) for word in words))
            found = pattern.search(self.text, area.start, max(area.end, area.start + 1))
            if found is not None:
                return bisect.bisect_right(self.starts, found.start())
        return span.line

    def located(self) -> tuple[int, int, int]:
        """Items located, of how many, and closing sections located (for coverage figures)."""
        count = len(self.data["candidates"])
        items = sum(1 for key in self.missing if " > " in key and key.startswith("Candidate"))
        closing = sum(1 for key in self.missing if key.startswith(CLOSING))
        return count * len(ITEMS) - items, count * len(ITEMS), len(CLOSING_PARTS) - closing


class NoCandidates(Exception):
    """The Markdown has no candidate sections."""


# -- sections ----------------------------------------------------------------------------------


def _heading_text(reader: Reader, block: Block) -> tuple[str, int]:
    """A heading's text as written and the offset it starts at."""
    inline = block.inline
    if inline is None:
        return "", reader.offset(block.first)
    start, end = reader.offset(block.first), reader.offset(block.first + 1)
    at = reader.text.find(inline.content, start, end) if inline.content else -1
    return inline.content, at if at >= 0 else start


def _closing_part(name: str) -> str | None:
    folded = fold(name)
    return next((part for words, part in FOLDED_CLOSING if words in folded), None)


def _strip_emphasis(text: str, at: int) -> tuple[str, int]:
    stripped = text.lstrip("*_ ")
    return stripped, at + len(text) - len(stripped)


def _candidate_heading(reader: Reader, block: Block) -> Section | None:
    """The candidate a heading opens, if it opens one."""
    raw, at = _heading_text(reader, block)
    text, at = _strip_emphasis(raw, at)
    if number := HEADING_NUMBER.match(text):
        text, at = text[number.end() :], at + number.end()
    letter: str | None = None
    label: Span | None = None
    spec_number: int | None = None
    if match := CANDIDATE_HEADING.match(text):
        named = match.group(1).upper()
        letter = named if named.isalpha() else LETTERS[(int(named) - 1) % len(LETTERS)]
        label = Span(at, at + match.end(), reader.line(at))
    elif match := SPEC_HEADING.match(text):
        spec_number = int(match.group(1))
        label = Span(at, at + match.end(), reader.line(at))
        if mention := LETTER_MENTION.search(text):
            letter = mention.group(1).upper()
    elif (match := LETTER_HEADING.match(text)) and _closing_part(text[match.end() :]) is None:
        letter = match.group(1)
        label = Span(at + match.start(1), at + match.end(1), reader.line(at))
    else:
        return None
    rest = TITLE_SEPARATOR.match(text, match.end())
    title_start = at + (rest.end() if rest else match.end())
    title = reader.span(title_start, at + len(text.rstrip("*_ ")))
    return Section(reader.offset(block.first), 0, block, letter, label, spec_number, title)


def _sections(reader: Reader) -> tuple[list[Section], int]:
    """The candidates' sections, and where the closing part of the answer begins. The
    candidates' level is the heading level most candidate headings use (the shallower on a
    tie), so a title such as ``# Spec 139-142 proposals`` does not swallow them."""
    headings = [block for block in reader.blocks if block.kind == "heading"]
    opened = {id(block): _candidate_heading(reader, block) for block in headings}
    levels = Counter(int(block.token.tag[1:]) for block in headings if opened[id(block)])
    if not levels:
        return [], len(reader.text)
    level = min(levels, key=lambda depth: (-levels[depth], depth))
    sections: list[Section] = []
    for block in headings:
        depth = int(block.token.tag[1:])
        section = opened[id(block)] if depth == level else None
        raw, _ = _heading_text(reader, block)
        closing = _closing_part(raw) and LETTER_HEADING.match(raw)
        ends = sections and (depth <= level or closing)
        if section is not None:
            if sections and not sections[-1].end:
                sections[-1].end = section.start
            sections.append(section)
        elif ends and sections and not sections[-1].end:
            sections[-1].end = reader.offset(block.first)
    if sections and not sections[-1].end:
        sections[-1].end = len(reader.text)
    return sections, sections[-1].end if sections else len(reader.text)


# -- anchors -----------------------------------------------------------------------------------


def item_name(label: str) -> tuple[str, int] | None:
    """The item a label names, and where in the label any further text starts (0: none)."""
    head, rest_at = label, 0
    for mark in ("(", ":"):
        position = label.find(mark)
        if 0 < position < len(label.rstrip(" .:")) and (not rest_at or position < rest_at):
            head, rest_at = label[:position], position
    item = FOLDED_ITEMS.get(fold(HEADING_NUMBER.sub("", head.strip(), count=1)))
    return (item, rest_at) if item is not None else None


def _label_anchor(
    reader: Reader, block: Block, name_of: Naming, container: Block | None
) -> Anchor | None:
    found = reader.bold_label(block)
    if found is None:
        return None
    label, label_start, label_end = found
    named = name_of(label)
    if named is None:
        return None
    name, rest_at = named
    content = label_end
    if rest_at:
        content = label_start + 2 + rest_at
        if label[rest_at] == ":":
            content += 1
    while content < len(reader.text) and reader.text[content] in ":.":
        content += 1
    origin = reader.offset((container or block).first)
    return Anchor(name, origin, content)


def _anchors(reader: Reader, start: int, end: int, name_of: Naming) -> list[Anchor]:
    """Every anchor between two offsets: headings, bold labels opening a paragraph or a
    list item, and the first cells of two-column table rows, by ``name_of``."""
    found: list[Anchor] = []

    def visit(blocks: list[Block], container: Block | None, depth: int) -> None:
        nested = depth > 0  # inside a list item
        for block in blocks:
            if block.first < 0:
                continue
            block_start = reader.offset(block.first)
            if reader.end_of(block) <= start or block_start >= end:
                continue
            if block.kind == "heading" and block_start > start:
                raw, at = _heading_text(reader, block)
                text, at = _strip_emphasis(raw, at)
                named = name_of(text.rstrip("*_ "))
                if named is not None:
                    name, rest_at = named
                    content = at + rest_at if rest_at else reader.offset(block.last)
                    level = int(block.token.tag[1:])
                    found.append(Anchor(name, block_start, content, level=level))
            elif block.kind == "paragraph" and (
                anchor := _label_anchor(reader, block, name_of, container)
            ):
                found.append(replace(anchor, nested=nested))
            elif block.kind in ("bullet_list", "ordered_list") and depth < 2:
                for item in block.children:
                    visit(item.children[:1], item, depth + 1)
                    visit(item.children[1:], None, depth + 2)
            elif block.kind == "table":
                for part in block.children:
                    for row in part.children:
                        found.extend(
                            replace(anchor, nested=nested)
                            for anchor in _row_anchor(reader, row, name_of)
                        )

    visit(reader.between(start, end), None, 0)
    return sorted(found, key=lambda anchor: anchor.block)


def _row_anchor(reader: Reader, row: Block, name_of: Naming) -> Iterator[Anchor]:
    cells = reader.cells(row)
    if len(cells) != 2:
        return
    name = reader.text[cells[0][0] : cells[0][1]].strip().strip("*_ ")
    named = name_of(name)
    if named is not None:
        yield Anchor(named[0], reader.offset(row.first), cells[1][0], end=cells[1][1])


def _ranges(anchors: list[Anchor], end: int, headings: list[tuple[int, int]]) -> dict[str, Anchor]:
    """Each name's first anchor, with the end of its text: the next anchor, a heading at its
    own level or above when it is a heading, or the end. Where a name has a heading, the item
    is the heading: a bold label of that name opening a list item is text of the item it stands
    in (a "**Delivery.**" bullet among the dependencies), and one opening a paragraph or a table
    row only ends the item before it ("**Out of scope**" after the scope's "**In scope**")."""
    headed = {anchor.name for anchor in anchors if anchor.level < NOT_A_HEADING}
    anchors = [a for a in anchors if not (a.nested and a.name in headed)]
    ranges: dict[str, Anchor] = {}
    for index, anchor in enumerate(anchors):
        if anchor.name in ranges or (anchor.level == NOT_A_HEADING and anchor.name in headed):
            continue
        following = (later for later in anchors[index + 1 :] if later.name != anchor.name)
        stop = next((later.block for later in following), end)
        if anchor.end is not None:
            stop = min(stop, anchor.end)
        for heading_start, level in headings:
            if anchor.content < heading_start < stop and level <= anchor.level:
                stop = heading_start
        ranges[anchor.name] = Anchor(anchor.name, anchor.block, anchor.content, stop, anchor.level)
    return ranges


def _headings(reader: Reader, start: int, end: int) -> list[tuple[int, int]]:
    return [
        (reader.offset(block.first), int(block.token.tag[1:]))
        for block in reader.between(start, end)
        if block.kind == "heading" and start < reader.offset(block.first) < end
    ]


def _overview(reader: Reader, end: int) -> dict[str, dict[str, Span]]:
    """Items given per candidate in a table before the first candidate ("At a glance": a row
    per candidate, named in its first cell, and a column per item, named in its header), as
    the cell each is written in."""
    given: dict[str, dict[str, Span]] = {}
    for table in reader.between(0, end):
        if table.kind != "table" or reader.start_of(table) >= end:
            continue
        rows = [row for part in table.children for row in part.children]
        columns = {
            index: named[0]
            for row in rows[:1]
            for index, (start, stop) in enumerate(reader.cells(row))
            if (named := item_name(reader.text[start:stop].strip().strip("*_` ")))
        }
        for row in rows[1:]:
            cells = reader.cells(row)
            first = reader.text[cells[0][0] : cells[0][1]].strip().strip("*_` ") if cells else ""
            mention = ROW_LABEL.match(first)
            if mention is None:
                continue
            letter = mention.group(1)
            for index, name in columns.items():
                if index < len(cells) and (span := reader.span(*cells[index])) is not None:
                    given.setdefault(letter, {}).setdefault(name, span)
    return given


# -- values ------------------------------------------------------------------------------------


class Extraction:
    """The result document's data being built from one reader."""

    def __init__(self, reader: Reader, overview: dict[str, dict[str, Span]]) -> None:
        self.reader = reader
        self.answer = MarkdownAnswer(reader.text, {}, starts=reader.starts)
        self.overview = overview

    def keep(self, location: str, span: Span | None) -> str:
        if span is not None:
            self.answer.spans.setdefault(location, span)
        return self.reader.value(span)

    def candidate(self, position: str, section: Section) -> dict[str, Any]:
        reader, where = self.reader, f"Candidate {position}"
        heading_span = reader.span(section.start, reader.offset(section.heading.last))
        self.keep(where, heading_span)
        section_text = reader.text[section.start : section.end]
        self.answer.sections[where] = Span(section.start, section.end, reader.line(section.start))
        anchors = _anchors(reader, section.start, section.end, item_name)
        headings = _headings(reader, section.start, section.end)
        found = _ranges(anchors, section.end, headings)
        spans = {
            name: reader.span(anchor.content, anchor.end or anchor.content)
            for name, anchor in found.items()
        }
        letter = section.letter
        label_span = spans.get("label") or section.label
        label, number, mention = self._label(label_span, section, position)
        letter = letter or mention or position
        data: dict[str, Any] = {
            "label": label,
            "spec_number": number,
            "theme": THEMES["ABCD".index(letter)] if letter in "ABCD" else "",
        }
        self.keep(f"{where} > label", label_span)
        self.keep(f"{where} > theme", heading_span)
        title = spans.get("working_title") or section.title
        data["working_title"] = self.keep(f"{where} > working_title", title)
        folded = fold(section_text)
        for item in ITEMS[2:]:
            span = spans.get(item)
            location = f"{where} > {item}"
            if span is None and item not in found and item not in TABLED_APART:
                span = self.overview.get(letter, {}).get(item)
            if span is None and item not in found:
                traces = ITEM_TRACES[item]
                self.answer.missing[location] = any(trace in folded for trace in traces)
            anchor = found.get(item)
            data[item] = self._item(item, location, span, anchor)
        if "label" not in found and section.label is None:
            self.answer.missing[f"{where} > label"] = True
        if "working_title" not in found and section.title is None:
            self.answer.missing[f"{where} > working_title"] = "title" in folded
        self._aside(where, section, heading_span, found.values())
        statements = found.get("explicit_statements")
        data["explicit_statements"] = self._statements(where, statements)
        if statements is None:
            self.answer.whole_texts[position] = section_text
        return data

    def _aside(
        self, where: str, section: Section, heading: Span | None, anchors: Iterable[Anchor]
    ) -> None:
        """The candidate's prose that no item holds, each gap a slice of the file (so a sentence
        quoted from it is found there), kept for the register rules to read; code and HTML are
        not prose."""
        reader = self.reader
        code = [
            (reader.start_of(block), reader.end_of(block))
            for block in reader.between(section.start, section.end)
            if block.kind in NOT_PROSE
        ]
        held = sorted(
            [(anchor.block, anchor.end or anchor.content) for anchor in anchors]
            + ([(heading.start, heading.end)] if heading is not None else [])
            + code
        )
        gaps, at = [], section.start
        for start, end in held:
            if start > at:
                gaps.append(reader.text[at:start].strip())
            at = max(at, end)
        gaps.append(reader.text[at : section.end].strip())
        if text := "\n\n".join(gap for gap in gaps if gap):
            self.answer.asides[f"{where} > {ASIDE}"] = text

    def _label(
        self, span: Span | None, section: Section, position: str
    ) -> tuple[str, int | None, str | None]:
        """The label as written ('Candidate A', 'Spec 139'), its spec number, and the letter
        a 'Spec NNN (Candidate A)' label names."""
        text = self.reader.value(span)
        mention = LETTER_MENTION.search(text)
        letter = mention.group(1).upper() if mention else None
        match = FULL_LABEL.search(text)
        if match is None:
            bare = text.strip(" *_`.:")
            if len(bare) == 1 and bare in LETTERS:
                return f"Candidate {bare}", None, bare
            return text.strip(), None, letter
        if match.group(1) is not None:
            return f"Candidate {match.group(1).upper()}", None, letter or match.group(1).upper()
        number = int(match.group(2))
        return f"Spec {number}", number, letter

    def _item(self, item: str, location: str, span: Span | None, anchor: Anchor | None) -> Any:
        reader = self.reader
        if item in LIST_ITEMS:
            if anchor is None or anchor.end is None:
                return []
            pieces = list(reader.entries(anchor.content, anchor.end))
            for index, piece in enumerate(pieces):
                self.keep(f"{location}[{index}]", piece)
            self.keep(location, span)
            return [reader.value(piece) for piece in pieces]
        if item == "boundary_to_existing_specs":
            self.keep(location, span)
            return self._boundaries(location, anchor)
        text = self.keep(location, span)
        if item == "status":
            return _fixed(text, STATUSES) or text
        if item == "slug":
            return _slug(text)
        if item == "delivery_recommendation":
            return self._one_of(location, text, DELIVERY_RECOMMENDATIONS, leading=False)
        if item == "implementation_priority":
            return self._one_of(location, text, PRIORITIES, leading=True)
        return text

    def _one_of(self, location: str, text: str, allowed: tuple[str, ...], leading: bool) -> str:
        """A fixed-set value named in the text: the one it names, or the one an opening bold
        span names alone, or the first of several (left for review unless the text opens with
        it); the text itself when none."""
        folded = text.casefold()
        named = sorted(
            (match.start(), value)
            for value in allowed
            for match in re.finditer(rf"\b{re.escape(value.casefold())}\b", folded)
        )
        values = list(dict.fromkeys(value for _, value in named))
        if not values:
            return text
        opens = named[0][0] == len(folded) - len(folded.lstrip(" *_`"))
        chosen = BOLD_LABEL.match(folded, len(folded) - len(folded.lstrip()))
        if opens and chosen is not None:  # "**Phased spec**, with a hotfix": the bold chose
            in_bold = {value for at, value in named if at < chosen.end(2)}
            if len(in_bold) == 1:
                return in_bold.pop()
        first_sentence = SENTENCE_END.search(folded)
        cut = len(folded) if first_sentence is None else first_sentence.start()
        alone = all(value == values[0] for at, value in named if at < cut)
        if len(values) > 1 and not (opens and (leading or alone)):
            self.answer.doubts.append(
                (
                    "SC105",
                    location,
                    f"The item names more than one of {', '.join(allowed)} "
                    f"({', '.join(values)}); the first is taken.",
                    text,
                )
            )
        return values[0]

    def _boundaries(self, location: str, anchor: Anchor | None) -> list[dict[str, str]]:
        """One boundary per spec an entry names: the spec as written, the relationship in
        parentheses after it or the sentence saying how it relates, the entry as statement.
        Entries that name no spec go on the statement of the boundary before them (a table of
        what stays where, a list of what the candidate leaves to others), which stays one slice
        of the file."""
        if anchor is None or anchor.end is None:
            return []
        reader = self.reader
        boundaries: list[dict[str, str]] = []
        statement_start: int | None = None
        for entry in reader.entries(anchor.content, anchor.end):
            text = reader.value(entry)
            seen: set[str] = set()
            for match, start, end in _specs_named(text):
                number = text[start:end][-3:]
                if number in seen:
                    continue
                seen.add(number)
                spec = Span(
                    entry.start + start, entry.start + end, reader.line(entry.start + start)
                )
                relationship, statement = _relationship(text, match.end())
                index = len(boundaries)
                here = f"{location}[{index}]"
                self.keep(here, entry)
                statement = statement or text
                statement_start = entry.start + len(text) - len(statement)
                boundaries.append(
                    {
                        "spec": self.keep(f"{here}.spec", spec),
                        "relationship": relationship or reader.value(spec),
                        "statement": statement,
                    }
                )
            if not seen and statement_start is not None:
                boundaries[-1]["statement"] = reader.value(reader.span(statement_start, entry.end))
                here = f"{location}[{len(boundaries) - 1}]"
                kept = self.answer.spans[here]
                self.answer.spans[here] = Span(kept.start, entry.end, kept.line)
        return boundaries

    def _statements(self, where: str, anchor: Anchor | None) -> dict[str, str | None]:
        statements: dict[str, str | None] = dict.fromkeys(STATEMENTS)
        if anchor is None or anchor.end is None:
            return statements
        reader = self.reader
        for entry in reader.entries(anchor.content, anchor.end):
            text = reader.value(entry)
            match = BOLD_LABEL.match(text)
            if match is None:
                continue
            name = fold(match.group(2))
            field_name = next(
                (key for key, words in STATEMENT_NAMES.items() if any(w in name for w in words)),
                None,
            )
            if field_name is None or statements[field_name] is not None:
                continue
            # "**UI-only authorization:** text" (or "— text") names the statement; "**UI-only
            # authorization is insufficient.** text" makes it, so the label is part of it.
            after = text[match.end() :]
            names = match.group(2).rstrip().endswith(":") or after.lstrip()[:1] in NAMING_MARKS
            skip = match.end() + len(after) - len(after.lstrip(" " + NAMING_MARKS)) if names else 0
            start = entry.start + skip
            span = reader.span(start, entry.end)
            statements[field_name] = self.keep(f"{where} > explicit_statements.{field_name}", span)
        return statements

    def preamble(self, end: int) -> None:
        """The text before the first candidate, after the document's title heading."""
        reader = self.reader
        start = 0
        first = reader.between(0, end)
        if first and first[0].kind == "heading" and first[0].token.tag == "h1":
            start = reader.offset(first[0].last)
        span = reader.span(start, end)
        self.answer.preamble = self.keep(PREAMBLE, span)

    def closing(self, start: int) -> dict[str, Any]:
        reader = self.reader
        end = len(reader.text)
        anchors = _anchors(reader, start - 1, end, _closing_named)
        found = _ranges(anchors, end, _headings(reader, start - 1, end))
        labels = self._labels()
        data: dict[str, Any] = {}
        texts: dict[str, tuple[str, Span | None]] = {}
        folded = fold(reader.text[start:end])
        for part in CLOSING_PARTS:
            anchor = found.get(part)
            span = reader.span(anchor.content, anchor.end or anchor.content) if anchor else None
            location = f"{CLOSING} > {part}"
            if span is None:
                traces = CLOSING_TRACES[part]
                self.answer.missing[location] = anchor is not None or any(
                    trace in folded for trace in traces
                )
            texts[part] = (self.keep(location, span), span)
        order_text, _ = texts["recommended_implementation_order"]
        data["recommended_implementation_order"] = _mentions(order_text, labels)
        tracks: list[dict[str, Any]] = []
        tracks_anchor = found.get("parallel_tracks")
        if tracks_anchor is not None and tracks_anchor.end is not None:
            entries = list(reader.entries(tracks_anchor.content, tracks_anchor.end))
            whole = " ".join(reader.value(entry) for entry in entries)
            bare = not _mentions(whole, labels, bare=False)
            for entry in entries:
                named = _mentions(reader.value(entry), labels, bare)
                if named:
                    here = f"{CLOSING} > parallel_tracks[{len(tracks)}]"
                    tracks.append({"candidates": named, "rationale": self.keep(here, entry)})
        data["parallel_tracks"] = tracks
        start_text, _ = texts["start_first"]
        first = _mentions(start_text, labels)
        data["start_first"] = {"candidate": first[0] if first else "", "rationale": start_text}
        data["numbering_strategy"] = texts["numbering_strategy"][0]
        return data

    def _labels(self) -> dict[str, str]:
        """How a mention ('Candidate A', 'Spec 139', 'A') resolves to a candidate's label."""
        names: dict[str, str] = {}
        for position, candidate in zip("ABCDEFGHIJ", self.answer.data["candidates"], strict=False):
            label = candidate["label"]
            letter = position
            if candidate["theme"] in THEMES:
                letter = "ABCD"[THEMES.index(candidate["theme"])]
            names.setdefault(letter, label)
            names.setdefault(label.casefold(), label)
        return names


def _closing_named(label: str) -> tuple[str, int] | None:
    part = _closing_part(label)
    if part is None:
        return None
    colon = label.find(":")
    rest = colon + 1 if 0 < colon < len(label.rstrip(" .:")) else 0
    return part, rest


def _mentions(text: str, labels: dict[str, str], bare: bool | None = None) -> list[str]:
    """The candidate labels a closing section names, in order of first mention: written out
    ('Candidate B', 'Spec 139'), or as bare letters where none is written out."""
    found: list[tuple[int, str]] = []
    for match in FULL_LABEL.finditer(text):
        if match.group(1) is not None:
            letter = match.group(1).upper()
            found.append((match.start(), labels.get(letter, f"Candidate {letter}")))
        elif (label := labels.get(f"spec {match.group(2)}")) is not None:
            found.append((match.start(), label))
    if bare if bare is not None else not found:
        for match in BARE_LETTER.finditer(text):
            letter = match.group(1)
            if letter == "A" and ARTICLE_A.match(text, match.end()):
                continue
            found.append((match.start(), labels.get(letter, f"Candidate {letter}")))
    return list(dict.fromkeys(label for _, label in sorted(found)))


def _fixed(text: str, allowed: tuple[str, ...]) -> str | None:
    words = WORD.findall(text)
    first = words[0].casefold() if words else ""
    return next((value for value in allowed if value.casefold() == first), None)


def _slug(text: str) -> str:
    """The slug as written: the first code span, else the first word."""
    if code := CODE_SPAN.search(text):
        return code.group(1).strip()
    words = text.split()
    return words[0].strip("*_.,;:") if words else ""


def _relationship_word(text: str) -> re.Match[str] | None:
    return RELATIONSHIP.search(text)


def _specs_named(text: str) -> Iterator[tuple[re.Match[str], int, int]]:
    """Each spec an entry names, with the span that names it: 'Spec 110', or the number of a
    list that follows ('Specs 110 and 134')."""
    for match in SPEC_NAMED.finditer(text):
        if match.group(3) is not None:
            yield match, match.start(3), match.end(3)
            continue
        yield match, match.start(), match.end(1)
        for number in NUMBER.finditer(text, match.start(2), match.end(2)):
            yield match, number.start(), number.end()


def _relationship(text: str, after: int) -> tuple[str, str]:
    """The relationship an entry gives a spec (parenthesised right after it, as ``specrun
    render`` writes, or the sentence with a relationship word) and the statement."""
    parenthesis = PARENTHESIS.match(text, after)
    if parenthesis is not None and (
        parenthesis.group(0).rstrip().endswith(":") or _relationship_word(parenthesis.group(1))
    ):
        return parenthesis.group(1).strip(), text[parenthesis.end() :].strip()
    found = _relationship_word(text)
    if found is None:
        return "", ""
    starts = [0, *(m.end() for m in SENTENCE_END.finditer(text, 0, found.start()))]
    sentence_end = SENTENCE_END.search(text, found.start())
    return text[starts[-1] : sentence_end.start() if sentence_end else len(text)], ""


def read_markdown(text: str) -> MarkdownAnswer:
    """The answer in ``text`` (newlines already normalised); ``NoCandidates`` when it has no
    candidate sections."""
    reader = Reader(text)
    sections, closing_start = _sections(reader)
    if not sections:
        raise NoCandidates
    extraction = Extraction(reader, _overview(reader, sections[0].start))
    positions = (chr(ord("A") + index) for index in range(len(sections)))
    candidates = [extraction.candidate(p, s) for p, s in zip(positions, sections, strict=True)]
    extraction.answer.data["candidates"] = candidates
    extraction.preamble(sections[0].start)
    extraction.answer.data.update(extraction.closing(closing_start))
    return extraction.answer
