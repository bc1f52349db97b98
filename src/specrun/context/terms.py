"""The vocabulary of rules data: terms, concepts, and how words are folded before matching.

A concept is data of the prompt pack (``NAME.rules.toml``): groups of alternative terms that must
all occur (``all_of``), and for explicit statements the words that assert it (``asserts``), state
its opposite (``opposites``) or wave it away (``dismissals``). ``normalise`` folds text and terms
alike (case, hyphens and slashes, a detached prefix "re"), so a term that folds to nothing is
refused when the pack loads. The matching itself is ``specrun.rules.phrases``.
"""

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

RE_PREFIX = re.compile(r"(?<![a-z0-9])re (?=[a-z]{3})")


def normalise(text: str) -> str:
    folded = re.sub(r"[-_\u2010\u2011\u2013\u2014/]", " ", text.lower())
    return RE_PREFIX.sub("re", re.sub(r"\s+", " ", folded)).strip()


def _term(value: str) -> str:
    if not normalise(value):
        raise ValueError("a term must not be empty")
    return value


Term = Annotated[str, AfterValidator(_term)]
Terms = Annotated[list[Term], Field(min_length=1)]


class Concept(BaseModel):
    """Something a passage can be about: every group needs one of its terms."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    all_of: list[Terms] = Field(min_length=1)


class StatementConcept(Concept):
    """A concept that a statement must assert, not merely mention."""

    asserts: Terms
    opposites: list[Term] = []
    dismissals: Terms
    # Words that make a dismissal's clause ambiguous: it may reject the concept's opposite
    # ("Relying on UI-only authorization was considered and rejected"), so it is left for review.
    doubts: list[Term] = []
