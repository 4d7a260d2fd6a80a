"""Deliberately wrong exercise answers, the kind students really write.

One module per lesson. Each defines wrong versions of the exercise function
and ``CAUGHT``: for each, the status its check must report, and text that
must appear in the problem line and in the hint. A module may also define
``RIGHT``, a list of names of right answers written differently from the
solution (a dict instead of two lists, ``partition`` instead of ``split``,
a send loop where the prose allows one...): each must pass its check.
tests/test_checks.py runs them all in the namespace of the lesson's given
code (so ``clients``, ``nicknames``, ``broadcast``, ``read_line``... exist,
as in the notebook).
"""
