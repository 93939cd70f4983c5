"""harness: a test harness for article summarizers.

Gold annotations (key facts and traps) pair with articles; summarizers run over the articles;
scorers check every summary for fact coverage and hallucinations, with evidence; runs are
compared so that a model change that loses facts or invents claims fails CI.
"""

__version__ = "0.1.0"
