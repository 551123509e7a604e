"""forceplan: an open force-generation planning optimizer.

The pipeline reads as data -> model -> solve -> results -> outputs:

- :mod:`optimizer.reader` and :mod:`optimizer.data` read and validate a workbook
  into a frozen :class:`~optimizer.data.PlanningData` (no pyomo);
- :mod:`optimizer.model` builds the mixed-integer model (pyomo);
- :mod:`optimizer.solve` runs the two lexicographic stages on HiGHS, each
  certified by :mod:`optimizer.certify`, into a :class:`~optimizer.solution.Solution`;
- :mod:`optimizer.results` turns the chosen units into pandas tables;
- :mod:`optimizer.outputs` writes ``plan.json`` and ``plan.xlsx``; :mod:`optimizer.report` the PDF;
  :mod:`optimizer.cli` is the command line.

Layers and the rule that no import runs back up them: README § Layout,
checked by ``tests/test_architecture.py``.
"""

__version__ = "0.1.0"
