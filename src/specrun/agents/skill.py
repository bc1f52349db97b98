"""``specrun skill``: the agent skill written into a target repository.

Codex reads repository skills from ``.agents/skills/NAME/SKILL.md`` and Claude Code from
``.claude/skills/NAME/SKILL.md``; both take YAML front matter with ``name`` (the folder's name)
and ``description`` (how the agent decides to use it). One text serves both. Every destination is
checked before any is written, so a refusal leaves nothing behind; a destination that resolves
outside the repository (a symlinked ``.claude``, say) is refused, since the repository is
untrusted input.
"""

from enum import StrEnum
from importlib import resources
from pathlib import Path

from specrun.errors import InputError
from specrun.gates.output import write_atomically

SKILL_NAME = "spec-candidates"
TEMPLATE = f"{SKILL_NAME}.SKILL.md"


class Agent(StrEnum):
    codex = "codex"
    claude = "claude"


SKILL_DIRECTORIES = {
    Agent.codex: Path(".agents") / "skills" / SKILL_NAME,
    Agent.claude: Path(".claude") / "skills" / SKILL_NAME,
}


def skill_text() -> str:
    return resources.files("specrun.agents").joinpath(TEMPLATE).read_text(encoding="utf-8")


def _destination(root: Path, agent: Agent, force: bool) -> Path:
    relative = SKILL_DIRECTORIES[agent] / "SKILL.md"
    path = root / relative
    if not path.resolve().is_relative_to(root):
        raise InputError(
            f"{relative} in {root} resolves outside the repository; remove the link and run "
            "specrun skill again"
        )
    if path.is_dir() or (path.exists() and not path.is_file()):
        raise InputError(f"{path} is not a regular file; remove it and run specrun skill again")
    if path.exists() and not force:
        raise InputError(f"{path} already exists; pass --force to overwrite it")
    return path


def write_skill(root: Path, agents: list[Agent], force: bool) -> list[Path]:
    """Write the skill for each of ``agents`` into the repository at ``root`` (resolved);
    returns the files written."""
    destinations = [_destination(root, agent, force) for agent in agents]
    data = skill_text().encode("utf-8")
    for path in destinations:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data, replace=force)
        except OSError as error:
            raise InputError(f"cannot write {path} ({error.strerror or error})") from None
    return destinations
