"""Deliberately wrong exercise answers, the kind students really write.

One module per lesson. Each defines wrong versions of the exercise function
and ``CAUGHT``: for each, the status its check must report, and text that
must appear in the problem line and in the hint. tests/test_checks.py runs
them in the namespace of the lesson's given code (so ``clients``,
``nicknames``, ``broadcast``, ``read_line``... exist, as in the notebook).
"""
