"""The result document: what the model is asked for and what every later stage speaks of.

- ``model``: ``SpecCandidates``, the pydantic model that is the source of the JSON Schema, and
  reading a result file within its bound (``read_result_file``);
- ``render``: the Markdown document, with the provenance of a run when there is one.
"""
