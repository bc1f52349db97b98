"""The prompt pack: a Codex custom prompt and the rules data that judges its answers.

``--prompt`` names a file, or a name looked up in the target repository's
``.codex/prompts/NAME.md`` and then in the bundled ``prompts/``. The rules data sits beside the
prompt as ``NAME.rules.toml``; a repository's copy of a bundled prompt uses the bundled rules.
Front matter is read as Codex reads it: a leading ``---`` block with ``description`` and
``argument-hint``; without a closing ``---`` there is no front matter. It is parsed by PyYAML's
safe loader, which would expand aliases without bound and recurses once per level, so a block
with an alias, nested more than ``MAX_NESTING`` levels or over ``FRONT_MATTER_MAX_CHARS`` is
refused before it is loaded (``specrun.gates.limits.scan_yaml``).

A prompt and rules file found in the repository get the binding files' containment: the resolved
path lies inside the repository, and it is a regular, size-bounded UTF-8 file. Every prompt file
is a regular file, so a FIFO cannot hang the run.
"""

import errno
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from specrun.context.bundled import bundled_dir
from specrun.context.terms import (
    MAX_CONCEPTS,
    MAX_TERMS,
    Concept,
    StatementConcept,
    TermList,
    Terms,
    at_most,
)
from specrun.document.model import THEMES, ExplicitStatements
from specrun.errors import InputError
from specrun.gates.limits import (
    TooDeep,
    TooLarge,
    YamlAlias,
    parse_nested,
    read_regular_file,
    safe_yaml_loader,
    scan_yaml,
)

RULES_SUFFIX = ".rules.toml"
PROMPT_MAX_BYTES = 1_000_000
FRONT_MATTER_MAX_CHARS = 64_000
RULE_CODES = frozenset(
    {"SC101", "SC102", "SC103", "SC104", "SC105", "SC201", "SC202", "SC301", "SC302", "SC303"}
    | {"SC304", "SC401", "SC402", "SC501", "SC601", "SC602", "SC701"}
)
# The rules whose words a term list may not decide: each needs a rubric for the judge.
REVIEWABLE_CODES = frozenset(
    {"SC202", "SC301", "SC302", "SC303", "SC304", "SC401", "SC402", "SC501", "SC601", "SC602"}
)


LETTERS = tuple(chr(ord("A") + index) for index in range(len(THEMES)))
STATEMENT_KEYS = tuple(ExplicitStatements.model_fields)
# Each explicit statement's rule code is fixed by the contract (SC301 ... SC304, in order).
STATEMENT_CODES = {key: f"SC30{index + 1}" for index, key in enumerate(STATEMENT_KEYS)}
Letter = Annotated[str, Field(pattern=r"^[A-Z]$")]
Placeholder = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
# A keyword matched exactly as written, case included: RFC 2119's "MAY" is optional, "may" is
# ordinary English.
Keyword = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z ]*[A-Z]$")]
Concepts = Annotated[list[Concept], at_most(MAX_CONCEPTS, "concepts")]


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatementRule(Rules):
    code: str = Field(pattern=r"^SC\d{3}$")
    required_for: list[Letter]
    concept: StatementConcept


class CandidateRules(Rules):
    letter: Letter
    theme: str
    signatures: Terms
    theme_markers: Concepts = []
    directions: Concepts = Field(min_length=1)


class RequiredBoundary(Rules):
    candidate: Letter
    spec: int
    relationship: Terms
    owned: Concepts = []


class Rubric(Rules):
    """What the judge is told about one rule: the rule itself, and the question a careful
    reviewer asks of an item the terms could not decide."""

    rule: str = Field(min_length=1)
    question: str = Field(min_length=1)


class PackRules(Rules):
    """Everything the validators need to know about one prompt, as data, checked against the
    result document's model when the pack loads, so a typo cannot silently disable a rule."""

    binding_files: list[str] = Field(min_length=1)
    candidates: list[CandidateRules] = Field(min_length=1)
    statements: dict[str, StatementRule]
    required_boundaries: Annotated[list[RequiredBoundary], at_most(MAX_CONCEPTS, "boundaries")] = []
    non_duplication: Terms
    duplication_verbs: Terms
    replacement_claims: Terms
    soft_commitments: TermList = []
    placeholders: Annotated[list[Placeholder], at_most(MAX_TERMS, "placeholders")] = []
    prose_min_words: int = Field(default=3, ge=1)
    hedges: Terms
    deferrals: TermList = []
    soft_hedges: TermList = []
    epistemic: TermList = []
    decision_words: TermList = []
    informal: TermList = []
    soft_informal: TermList = []
    formal_readings: TermList = []
    statement_hedges: TermList = []
    optional_keywords: Annotated[list[Keyword], at_most(MAX_TERMS, "optional_keywords")] = []
    umbrella_exemptions: TermList = []
    english_min_words: int = Field(default=20, ge=1)
    english_min_confidence: float = Field(default=0.9, gt=0, le=1)

    rubrics: dict[str, Rubric]

    @field_validator("rubrics")
    @classmethod
    def _every_reviewable_rule_has_a_rubric(cls, rubrics: dict[str, Rubric]) -> dict[str, Rubric]:
        if unknown := sorted(set(rubrics) - RULE_CODES):
            raise ValueError(f"unknown rule code {', '.join(unknown)}")
        if missing := sorted(REVIEWABLE_CODES - set(rubrics)):
            raise ValueError(f"no rubric for {', '.join(missing)}")
        return rubrics

    @model_validator(mode="after")
    def _agrees_with_the_document(self) -> "PackRules":
        for index, rule in enumerate(self.candidates):
            position = f"candidates[{index}]"
            if index >= len(THEMES):
                raise ValueError(f"{position}: the result document has only {len(THEMES)} themes")
            if rule.letter != LETTERS[index]:
                raise ValueError(
                    f"{position}.letter is {rule.letter!r}, expected {LETTERS[index]!r}"
                )
            if rule.theme != THEMES[index]:
                raise ValueError(f"{position}.theme is {rule.theme!r}, expected {THEMES[index]!r}")
        letters = {rule.letter for rule in self.candidates}
        for key, statement in self.statements.items():
            if key not in STATEMENT_KEYS:
                raise ValueError(
                    f"statements.{key} is not an explicit statement of the result document "
                    f"({', '.join(STATEMENT_KEYS)})"
                )
            if statement.code != STATEMENT_CODES[key]:
                raise ValueError(
                    f"statements.{key}.code is {statement.code!r}, expected "
                    f"{STATEMENT_CODES[key]!r}"
                )
            if strangers := sorted(set(statement.required_for) - letters):
                raise ValueError(f"statements.{key}.required_for names unknown {strangers}")
        for index, boundary in enumerate(self.required_boundaries):
            if boundary.candidate not in letters:
                raise ValueError(
                    f"required_boundaries[{index}].candidate {boundary.candidate!r} is unknown"
                )
        return self


@dataclass(frozen=True)
class PromptPack:
    name: str
    source: Path
    description: str | None
    argument_hint: str | None
    body: str
    rules: PackRules
    rules_source: Path


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index, line in enumerate(lines[1:], start=1):
        if line.strip() == "---":
            header = _load_front_matter("".join(lines[1:index])) or {}
            if not isinstance(header, dict):
                raise ValueError("front matter is not a mapping of keys to values")
            return header, "".join(lines[index + 1 :])
    return {}, text


def _load_front_matter(block: str) -> object:
    if len(block) > FRONT_MATTER_MAX_CHARS:
        raise ValueError(f"front matter is longer than {FRONT_MATTER_MAX_CHARS:,} characters")
    import yaml  # only a prompt with front matter pays for the YAML loader

    try:
        scan_yaml(block)
        return yaml.load(block, Loader=safe_yaml_loader())
    except (YamlAlias, TooDeep) as problem:
        raise ValueError(f"front matter {str(problem).removeprefix('it ')}") from None
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from None


def read_pack_file(path: Path, repo: Path | None, what: str) -> str:
    """The text of a prompt or rules file; ``repo`` set: it must lie inside that repository once
    symlinks are resolved, as the binding files must."""
    if repo is not None and not path.resolve().is_relative_to(repo.resolve()):
        raise InputError(
            f"{what} {path} lies outside the repository once symlinks are resolved; "
            "a repository's prompt must be a file inside it"
        )
    if not path.is_file():
        raise InputError(f"{what} {path} is not a regular file; pass a text file")
    try:
        data = read_regular_file(path, PROMPT_MAX_BYTES)
    except TooLarge:
        raise InputError(f"{what} {path} is larger than {PROMPT_MAX_BYTES:,} bytes") from None
    except OSError as error:
        if error.errno == errno.EINVAL:  # replaced by a FIFO or device after the check above
            raise InputError(f"{what} {path} is not a regular file; pass a text file") from None
        raise InputError(f"{what} {path} cannot be read: {error.strerror}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8; re-save it as UTF-8") from None


def resolve_prompt_path(prompt: str, repo: Path) -> tuple[Path, Path | None]:
    """The prompt file, and the repository it must stay inside (None: the user's own file or a
    bundled one)."""
    candidate = Path(prompt).expanduser()
    if candidate.suffix == ".md" or len(candidate.parts) > 1:
        if not candidate.exists():
            raise InputError(f"prompt file {prompt} does not exist; pass an existing .md file")
        return candidate, None
    in_repo = repo / ".codex" / "prompts" / f"{prompt}.md"
    if in_repo.exists() or in_repo.is_symlink():
        return in_repo, repo
    bundled = bundled_dir("prompts") / f"{prompt}.md"
    if bundled.is_file():
        return bundled, None
    known = ", ".join(sorted(bundled_prompt_names())) or "none"
    raise InputError(
        f"unknown prompt {prompt!r}: not in {repo}/.codex/prompts/ nor bundled "
        f"(bundled: {known}); pass a name or a path to a .md file"
    )


def bundled_prompt_names() -> list[str]:
    return [path.stem for path in bundled_dir("prompts").glob("*.md")]


def _rules_path(prompt_path: Path) -> Path:
    name = prompt_path.name.removesuffix(".md")
    beside = prompt_path.with_name(name + RULES_SUFFIX)
    if beside.exists() or beside.is_symlink():
        return beside
    bundled = bundled_dir("prompts") / (name + RULES_SUFFIX)
    if bundled.is_file():
        return bundled
    raise InputError(
        f"prompt {prompt_path} has no rules data: add {beside.name} beside it "
        "(see the bundled prompts/ for the format)"
    )


def load_rules(path: Path, repo: Path | None = None) -> PackRules:
    text = read_pack_file(path, repo, "rules data")
    try:
        return PackRules.model_validate(parse_nested(tomllib.loads, text))
    except (tomllib.TOMLDecodeError, TooDeep) as error:
        raise InputError(f"rules data {path} is malformed ({error}); fix the file") from None
    except ValidationError as error:
        raise InputError(
            f"rules data {path} is malformed: {_first_problem(error)}; fix the file"
        ) from None


def _first_problem(error: ValidationError) -> str:
    """The first problem on one line, naming the key it sits at."""
    detail = error.errors()[0]
    key = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in detail["loc"]
    ).replace(".[", "[")
    message = detail["msg"].removeprefix("Value error, ")
    if detail["type"] == "extra_forbidden":
        message = "unknown key"
    elif detail["type"] == "missing":
        message = "missing key"
    return f"{key}: {message}" if key else message


def load_pack_rules(prompt: str, repo: Path) -> PackRules:
    """The rules data of the prompt, for judging an answer: the prompt's text is not read."""
    return load_rules(*_rules_location(*resolve_prompt_path(prompt, repo)))


def _rules_location(prompt_path: Path, inside: Path | None) -> tuple[Path, Path | None]:
    """The rules file, and the repository it must stay inside: the prompt's, when it lies beside
    the prompt (bundled rules for a repository's copy of a bundled prompt are not in it)."""
    rules_path = _rules_path(prompt_path)
    return rules_path, inside if rules_path.parent == prompt_path.parent else None


def load_prompt_pack(prompt: str, repo: Path) -> PromptPack:
    path, inside = resolve_prompt_path(prompt, repo)
    text = read_pack_file(path, inside, "prompt file")
    rules_path, rules_inside = _rules_location(path, inside)
    try:
        header, body = split_front_matter(text)
    except ValueError as error:
        problem = str(error).splitlines()[0]
        raise InputError(
            f"prompt file {path} has malformed front matter ({problem}); "
            "fix the block between the --- lines"
        ) from error
    if not body.strip():
        raise InputError(f"prompt file {path} has no prompt text after its front matter")
    return PromptPack(
        name=path.name.removesuffix(".md"),
        source=path,
        description=_optional_text(header.get("description")),
        argument_hint=_optional_text(header.get("argument-hint")),
        body=body.strip() + "\n",
        rules=load_rules(rules_path, rules_inside),
        rules_source=rules_path,
    )


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
