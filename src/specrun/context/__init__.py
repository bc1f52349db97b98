"""The context: what the model is given, built only from the target repository.

``prompt_pack.load_prompt_pack`` reads the prompt (front matter removed) and its rules data
(``terms`` is their vocabulary); ``numbering`` gathers the spec numbers in use from ``specs/`` and
git branches; ``assembly.assemble_context`` reads the binding files within their bounds and
builds the byte-identical system prompt. Start reading at ``assembly.assemble_context``.
"""
