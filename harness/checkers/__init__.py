"""Checkers: the small, typed matching functions scorers are built from. They take plain text and
gold records and return spans or findings.

- Here, shared by both scorers so that they read a text the same way: :mod:`.atoms` (numbers with
  units and hedges, dates resolved against the publication date), :mod:`.context` (what a value is
  the value of), :mod:`.polarity` (negation and modality of predicates), :mod:`.hints` (a gold
  fact's or trap's precise-matching hints).
- :mod:`.coverage`: the fact-coverage side.
- :mod:`.faithfulness`: the claim-checking side (claims, evidence, registered checks, findings).
"""
