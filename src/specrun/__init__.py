"""specrun: run a repository's spec-candidates prompt and return a result proven by its own rules.

The packages read as the pipeline, each importing only from the ones before it:

- ``gates``: the gates every byte from outside passes (bounded reads, atomic writes, keys
  blanked, what reaches the terminal);
- ``settings``: who decides what: configuration layers and trusted repository configs;
- ``document``: the result document every stage speaks of, and its Markdown rendering;
- ``context``: what the model is given: the prompt pack, the binding files, numbering evidence;
- ``providers``: one seam to Anthropic, OpenAI and compatible servers, faults, retries, cassettes;
- ``rules``: judging an answer: reading it, the deterministic rules and the judge model;
- ``run``: one run: the attempt loop, the runner, the run record.

``cli`` is the thin typer front end; ``errors`` holds the failure kinds it maps to exit codes.
"""

__version__ = "0.1.0"
