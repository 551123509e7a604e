"""forceplan: an open force-generation planning optimizer.

The pipeline reads as data -> model -> solve -> results -> outputs:

- :mod:`optimizer.reader` and :mod:`optimizer.data` read and validate a workbook
  into a frozen :class:`~optimizer.data.PlanningData` (no pyomo);
- :mod:`optimizer.model` builds the mixed-integer model (pyomo);
- :mod:`optimizer.solve` runs the two lexicographic stages on HiGHS;
- :mod:`optimizer.results` turns the chosen units into pandas tables;
- :mod:`optimizer.outputs` writes ``plan.json`` and ``plan.xlsx``; :mod:`optimizer.cli` is the command line.
"""

__version__ = "0.1.0"
