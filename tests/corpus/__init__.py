"""The corpus of bad workbooks; see make_corpus.py."""
