"""The prompt pack: a Codex custom prompt and the rules data that judges its answers.

``--prompt`` names a file, or a name looked up in the target repository's
``.codex/prompts/NAME.md`` and then in the bundled ``prompts/``. The rules data sits beside the
prompt as ``NAME.rules.toml``; a repository's copy of a bundled prompt uses the bundled rules.
Front matter is read as Codex reads it: a leading ``---`` block with ``description`` and
``argument-hint``; without a closing ``---`` there is no front matter. It is parsed by PyYAML's
safe loader, which would expand aliases without bound, so a block with an alias (or over
``FRONT_MATTER_MAX_CHARS``) is refused before it is loaded.

A prompt and rules file found in the repository get the binding files' containment: the resolved
path lies inside the repository, and it is a regular, size-bounded UTF-8 file. Every prompt file
is a regular file, so a FIFO cannot hang the run.
"""

import tomllib
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from specrun.bundled import bundled_dir
from specrun.errors import InputError
from specrun.phrases import Concept, StatementConcept

RULES_SUFFIX = ".rules.toml"
PROMPT_MAX_BYTES = 1_000_000
FRONT_MATTER_MAX_CHARS = 64_000


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StatementRule(Rules):
    code: str
    required_for: list[str]
    concept: StatementConcept


class CandidateRules(Rules):
    letter: str
    theme: str
    signatures: list[str] = Field(min_length=1)
    directions: list[Concept] = Field(min_length=1)


class RequiredBoundary(Rules):
    candidate: str
    spec: int
    relationship: list[str] = Field(min_length=1)


class PackRules(Rules):
    """Everything the validators need to know about one prompt, as data."""

    binding_files: list[str] = Field(min_length=1)
    candidates: list[CandidateRules] = Field(min_length=1)
    statements: dict[str, StatementRule]
    required_boundaries: list[RequiredBoundary] = []
    non_duplication: list[str] = []
    placeholders: list[str] = []
    prose_min_words: int = 3
    hedges: list[str] = []
    umbrella_exemptions: list[str] = []
    english_function_words: list[str] = Field(min_length=1)
    english_min_share: float = Field(gt=0, lt=1)
    english_min_words: int = 12


@dataclass(frozen=True)
class PromptPack:
    name: str
    source: Path
    description: str | None
    argument_hint: str | None
    body: str
    rules: PackRules


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
    for event in yaml.parse(block, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            raise ValueError(
                "front matter uses a YAML alias (*name), which specrun does not expand"
            )
    return yaml.safe_load(block)


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
        with path.open("rb") as stream:
            data = stream.read(PROMPT_MAX_BYTES + 1)
    except OSError as error:
        raise InputError(f"{what} {path} cannot be read: {error.strerror}") from None
    if len(data) > PROMPT_MAX_BYTES:
        raise InputError(f"{what} {path} is larger than {PROMPT_MAX_BYTES:,} bytes")
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
        return PackRules.model_validate(tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise InputError(f"rules data {path} is malformed ({first}); fix the file") from error


def load_prompt_pack(prompt: str, repo: Path) -> PromptPack:
    path, inside = resolve_prompt_path(prompt, repo)
    text = read_pack_file(path, inside, "prompt file")
    rules_path = _rules_path(path)
    try:
        header, body = split_front_matter(text)
    except (yaml.YAMLError, ValueError) as error:
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
        rules=load_rules(rules_path, inside if rules_path.parent == path.parent else None),
    )


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
