"""The result document: what the model is asked for and what every later stage speaks of.

- ``model``: ``SpecCandidates``, the pydantic model that is the source of the JSON Schema, and
  reading a result file within its bound (``read_result_file``);
- ``render``: the Markdown document, with the provenance of a run when there is one;
- ``markdown``: an agent's Markdown answer read into the document's data, every value a span of
  the file (``blocks``: the parsed blocks and positions; item names are the data of
  ``vocabulary``);
- ``source``: what ``specrun check`` is given, a file or standard input, JSON or Markdown.
"""
