"""One run: the stage that drives all the others.

``runner.execute_run`` assembles the context, builds the providers, and hands them to
``reask.run_attempts``, the validate-and-re-ask loop; ``record`` keeps every attempt in the run
record as it completes, however the run ends; ``cost`` prices each attempt and holds every
request to the budget; ``history`` reads past runs back for ``specrun runs``. ``review`` is
``specrun check --judge``: one judged check of a result file, recorded like a run. Start reading
at ``runner.execute_run``.
"""
