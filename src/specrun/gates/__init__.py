"""The gates: every byte that crosses specrun's boundary passes one of these, and only one.

- ``limits``: every read from outside is bounded (``read_regular_file``, ``inflate`` for
  response bodies, ``Limits`` from the environment, so a target repository cannot raise them);
- ``output``: every file specrun writes is checked before a model is paid and written atomically;
- ``credentials``: every key in use is blanked (``scrub``) before text is printed or stored;
- ``terminal``: the one sanitiser of everything printed (``shown``: keys blanked, control and bidi
  characters shown as escapes); ``progress``: the line shown while a model writes.

Everything above imports these; they import nothing of specrun but ``errors``.
"""
