"""Context assembly: the system prompt a model is given, built only from the repository.

The system prompt is the prompt's body, then each binding file delimited with its path and the
sha256 of its bytes on disk, then the numbering evidence. Nothing in it varies between runs on
the same inputs (no clock, no absolute paths), so it is byte-identical across re-asks, cacheable
by the provider and matchable in cassettes. Every binding file is checked before anything else,
and every offender is named in one error. Each binding file and the system prompt as a whole are
bounded in size (``specrun.gates.limits``).
"""

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path

from specrun.context.numbering import NumberingEvidence, gather_numbering_evidence, listing
from specrun.context.prompt_pack import PromptPack
from specrun.document.model import BindingDigest, Provenance
from specrun.errors import InputError
from specrun.gates.limits import Limits, TooLarge, context_window, read_regular_file, size_text

CHARACTERS_PER_TOKEN = 4
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class BindingFile:
    path: str
    text: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Context:
    pack: PromptPack
    files: tuple[BindingFile, ...]
    numbering: NumberingEvidence
    system_prompt: str

    def provenance(self) -> Provenance:
        return Provenance(
            prompt=self.pack.name,
            binding_files=tuple(
                BindingDigest(path=file.path, sha256=file.sha256) for file in self.files
            ),
            numbering=f"{self.numbering.status} ({self.numbering.reason})",
        )

    @property
    def token_estimate(self) -> int:
        return math.ceil(len(self.system_prompt) / CHARACTERS_PER_TOKEN)


def resolve_repository(repo: Path) -> Path:
    if not repo.exists():
        raise InputError(f"repository {repo} does not exist; pass --repo with the target directory")
    if not repo.is_dir():
        raise InputError(f"repository {repo} is not a directory; pass --repo with a directory")
    return repo.resolve()


def _path_problem(root: Path, path: Path) -> str | None:
    if not path.exists() and not path.is_symlink():
        return "missing"
    if path.is_symlink() and not path.exists():
        return "a broken symlink"
    if not path.resolve().is_relative_to(root):
        return "outside the repository once symlinks are resolved"
    if not path.is_file():
        return "not a regular file"
    return None


def _read_binding_file(root: Path, relative: str, limit: int) -> BindingFile | str:
    """The file, or why it cannot be used."""
    path = root / relative
    try:
        if problem := _path_problem(root, path):
            return problem
        raw = read_regular_file(path, limit)
    except TooLarge:
        return f"larger than {size_text(limit)}; SPECRUN_MAX_BINDING_BYTES raises the limit"
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return "not UTF-8"
    if not text.strip():
        return "empty"
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return BindingFile(relative, text, hashlib.sha256(raw).hexdigest(), len(raw))


def read_binding_files(
    root: Path, relatives: list[str], limit: int = DEFAULT_LIMITS.binding_bytes
) -> tuple[BindingFile, ...]:
    results = {relative: _read_binding_file(root, relative, limit) for relative in relatives}
    problems = [f"{rel} ({why})" for rel, why in results.items() if isinstance(why, str)]
    if problems:
        raise InputError(
            f"binding files unusable in {root}: {'; '.join(problems)}; "
            "restore them or point --repo at the right repository"
        )
    return tuple(file for file in results.values() if isinstance(file, BindingFile))


def numbering_section(evidence: NumberingEvidence) -> str:
    in_use = listing(evidence.in_use, "none found")
    if evidence.status == "proven":
        available = listing(evidence.available)
        instruction = (
            f"Available spec numbers, proven: {available}. A candidate may take one of them "
            "as its label 'Spec NNN' and spec_number; each number may be used once."
        )
    else:
        instruction = (
            "Available spec numbers: none proven. Label the candidates 'Candidate A' to "
            "'Candidate D', set spec_number to null, name no new spec number anywhere, and "
            "recommend a numbering strategy instead."
        )
    return (
        "# Spec-numbering evidence\n\n"
        f"Status: {evidence.status} ({evidence.reason}).\n"
        f"Read from: {', '.join(evidence.sources)}.\n"
        f"Spec numbers in use: {in_use}.\n"
        f"{instruction}\n"
    )


def build_system_prompt(
    pack: PromptPack, files: tuple[BindingFile, ...], evidence: NumberingEvidence
) -> str:
    parts = [pack.body, "# Binding repository context\n"]
    for file in files:
        body = file.text if file.text.endswith("\n") else file.text + "\n"
        parts.append(
            f'<binding-file path="{file.path}" sha256="{file.sha256}">\n{body}</binding-file>\n'
        )
    parts.append(numbering_section(evidence))
    return "\n".join(parts)


def assemble_context(repo: Path, pack: PromptPack, limits: Limits = DEFAULT_LIMITS) -> Context:
    root = resolve_repository(repo)
    files = read_binding_files(root, pack.rules.binding_files, limits.binding_bytes)
    evidence = gather_numbering_evidence(root)
    system_prompt = build_system_prompt(pack, files, evidence)
    size = len(system_prompt.encode("utf-8", "surrogatepass"))
    if size > limits.prompt_bytes:
        raise InputError(
            f"the system prompt would be {size:,} bytes, over the limit of "
            f"{size_text(limits.prompt_bytes)}; shorten the prompt or binding files, or raise "
            "SPECRUN_MAX_PROMPT_BYTES"
        )
    return Context(pack, files, evidence, system_prompt)


def context_window_warning(context: Context, model: str) -> str | None:
    """Why the system prompt may not fit the model, or None when it fits."""
    window = context_window(model)
    if context.token_estimate <= window:
        return None
    return (
        f"warning: the system prompt is about {context.token_estimate:,} tokens, more than "
        f"{model}'s context window of {window:,} tokens; the provider may refuse or truncate it"
    )
