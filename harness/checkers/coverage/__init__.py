"""The coverage side of the checks: how a gold fact's statement is aligned to a summary and what
decides that the summary carries it (:mod:`.statement`, the fact-coverage model in
:mod:`.coverage_model`, the alignment windows of :mod:`.units`). The readings both sides share
(atoms, context, polarity, hints) live one level up in :mod:`harness.checkers`."""
