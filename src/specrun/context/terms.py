"""The vocabulary of rules data: terms, concepts, and how words are folded before matching.

A concept is data of the prompt pack (``NAME.rules.toml``): groups of alternative terms that must
all occur (``all_of``), and for explicit statements the words that assert it (``asserts``), state
its opposite (``opposites``) or wave it away (``dismissals``). ``normalise`` folds text and terms
alike (case, hyphens and slashes, a detached prefix "re"), so a term that folds to nothing is
refused when the pack loads. The matching itself is ``specrun.rules.phrases``.

A repository's rules file is untrusted, so its lists are bounded: at most ``MAX_TERMS`` terms
in a list, ``MAX_TERM_CHARS`` characters in a term and ``MAX_CONCEPTS`` concepts (or groups of
a concept) in a list. Matching is linear in the text whatever the lists hold; the bounds keep
the cost of compiling them, and of checking a text against every concept, small.
"""

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

MAX_TERMS = 500
MAX_TERM_CHARS = 120
MAX_CONCEPTS = 100
RE_PREFIX = re.compile(r"(?<![a-z0-9])re (?=[a-z]{3})")
SEPARATORS = re.compile(r"[-_\u2010\u2011\u2013\u2014/]")
SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    folded = SEPARATORS.sub(" ", text.lower())
    return RE_PREFIX.sub("re", SPACES.sub(" ", folded)).strip()


def _term(value: str) -> str:
    if len(value) > MAX_TERM_CHARS:
        raise ValueError(
            f"a term has {len(value):,} characters; a term holds at most {MAX_TERM_CHARS:,}"
        )
    if not normalise(value):
        raise ValueError("a term must not be empty")
    return value


def at_most(limit: int, what: str) -> BeforeValidator:
    """Refuses a list longer than ``limit`` before its items are read."""

    def check(value: Any) -> Any:
        if isinstance(value, list) and len(value) > limit:
            raise ValueError(f"holds {len(value):,} {what}; a list holds at most {limit:,}")
        return value

    return BeforeValidator(check)


Term = Annotated[str, AfterValidator(_term)]
TermList = Annotated[list[Term], at_most(MAX_TERMS, "terms")]
Terms = Annotated[TermList, Field(min_length=1)]


class Concept(BaseModel):
    """Something a passage can be about: every group needs one of its terms."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    all_of: Annotated[list[Terms], at_most(MAX_CONCEPTS, "groups")] = Field(min_length=1)


class StatementConcept(Concept):
    """A concept that a statement must assert, not merely mention."""

    asserts: Terms
    opposites: TermList = []
    dismissals: Terms
    # Words that make a dismissal's clause ambiguous: it may reject the concept's opposite
    # ("Relying on UI-only authorization was considered and rejected"), so it is left for review.
    doubts: TermList = []
