"""Settings: who decides what a run does and where its requests and keys go.

``config.resolve_settings`` layers built-in profiles, the user's config, ``--config`` or the
repository's ``specrun.toml``, ``SPECRUN_*`` and flags into one ``Settings``; a repository file
may tune a run but not redirect it, or set what it is shown to cost, unless the user trusted it
(``trust``). ``hosts`` shows hosts in ASCII form and names look-alikes of the vendors' hosts;
``money`` is how specrun speaks of cost; ``places`` is where run records go. Start reading at
``config.resolve_settings``.
"""
