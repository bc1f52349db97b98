"""Coding agents: bringing specrun to where the prompt is run today.

``skill.write_skill`` writes ``SKILL.md`` (the text is ``spec-candidates.SKILL.md`` beside it)
into a repository for Codex (``.agents/skills/``) and Claude Code (``.claude/skills/``): it has
the agent take its context from ``specrun context --full`` and check its own Markdown answer with
``specrun check`` until it passes.
"""
