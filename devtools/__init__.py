"""What the tests and the benchmarks share; not part of the product (not installed).

- :mod:`devtools.generators` — seeded generators of valid contract workbooks;
- :mod:`devtools.floor` — the same model built straight on highspy from numpy
  arrays: the floor the benchmarks measure the pyomo path against, and the
  tests check it builds the very LP pyomo hands to HiGHS;
- :mod:`devtools.browser` — driving the workbench in Chromium (Playwright).

Tests and benchmarks import from here, never from each other.
"""
