"""The faithfulness side of the checks: a summary is cut into claims (:mod:`.claims`), each claim
is aligned to its evidence in the article (:mod:`.support`), and every registered claim check
(:mod:`.checks`) reports typed findings; :mod:`.evidence` runs them all in batches and computes
the features the hallucination scorer's verdict is made from. The readings both sides share
(atoms, context, polarity, hints) live one level up in :mod:`harness.checkers`."""
