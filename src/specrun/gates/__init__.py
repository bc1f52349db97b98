"""The gates: every byte that crosses specrun's boundary passes one of these, and only one.

- ``limits``: every read from outside is bounded (``read_regular_file``, ``Limits`` from the
  environment, so a target repository cannot raise them);
- ``output``: every file specrun writes is checked before a model is paid and written atomically;
- ``credentials``: every key in use is blanked (``scrub``) before text is printed or stored;
- ``terminal``: what is reported to the user's terminal, and ``shown``, which escapes what a
  terminal would obey in untrusted text; ``progress``: the line shown while a model writes.

Everything above imports these; they import nothing of specrun but ``errors``.
"""
