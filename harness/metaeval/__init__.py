"""Meta-evaluation: how well the scorers agree with people, on public human-labelled data."""
