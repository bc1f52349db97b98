"""specrun: run a repository's spec-candidates prompt and return a result proven by its own rules.

The package reads as its pipeline:
``prompt_pack`` (prompt and rules data) → ``context`` (binding files, ``numbering`` evidence) →
``providers`` (one seam, lazy SDK adapters) → ``validation`` (``phrases`` judge the wording) →
``reask`` (the attempt loop) → ``render``. ``cli`` is the thin typer front end; ``errors`` holds
the three failure kinds the CLI maps to exit codes.
"""

__version__ = "0.1.0"
