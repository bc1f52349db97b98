"""The prompt pack: a Codex custom prompt and the rules data that judges its answers.

``--prompt`` names a file, or a name looked up in the target repository's
``.codex/prompts/NAME.md`` and then in the bundled ``prompts/``. The rules data sits beside the
prompt as ``NAME.rules.toml``; a repository's copy of a bundled prompt uses the bundled rules.
Front matter is read as Codex reads it: a leading ``---`` block with ``description`` and
``argument-hint``; without a closing ``---`` there is no front matter.
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
            header = yaml.safe_load("".join(lines[1:index])) or {}
            if not isinstance(header, dict):
                raise ValueError("front matter is not a mapping of keys to values")
            return header, "".join(lines[index + 1 :])
    return {}, text


def resolve_prompt_path(prompt: str, repo: Path) -> Path:
    candidate = Path(prompt).expanduser()
    if candidate.suffix == ".md" or len(candidate.parts) > 1:
        if not candidate.is_file():
            raise InputError(f"prompt file {prompt} does not exist; pass an existing .md file")
        return candidate
    for folder in (repo / ".codex" / "prompts", bundled_dir("prompts")):
        if (folder / f"{prompt}.md").is_file():
            return folder / f"{prompt}.md"
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
    if beside.is_file():
        return beside
    bundled = bundled_dir("prompts") / (name + RULES_SUFFIX)
    if bundled.is_file():
        return bundled
    raise InputError(
        f"prompt {prompt_path} has no rules data: add {beside.name} beside it "
        "(see the bundled prompts/ for the format)"
    )


def load_rules(path: Path) -> PackRules:
    try:
        return PackRules.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, ValidationError) as error:
        first = str(error).splitlines()[0]
        raise InputError(f"rules data {path} is malformed ({first}); fix the file") from error
    except OSError as error:
        raise InputError(
            f"rules data {path} cannot be read ({error.strerror or error}); fix its permissions"
        ) from None


def load_prompt_pack(prompt: str, repo: Path) -> PromptPack:
    path = resolve_prompt_path(prompt, repo)
    try:
        header, body = split_front_matter(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as error:
        raise InputError(f"prompt file {path} is not UTF-8; re-save it as UTF-8") from error
    except OSError as error:
        raise InputError(
            f"prompt file {path} cannot be read ({error.strerror or error}); fix its permissions"
        ) from None
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
        rules=load_rules(_rules_path(path)),
    )


def _optional_text(value: object) -> str | None:
    return None if value is None else str(value)
