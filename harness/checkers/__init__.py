"""Checkers: the small, typed matching functions scorers are built from (hints, numbers,
dates, entities, claims). They take plain text and gold records and return spans."""
