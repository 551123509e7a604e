"""The what-if workbench's logic, free of pyomo and of Streamlit.

The browser app (``app.py`` and ``app_pages/``) is a thin layer over these
plain functions, which the tests drive directly:

- :mod:`.inputs`   the editable inputs (scenario switches and the six tables),
                   their content hash, validation with exactly the command
                   line's rules, and workbook import/export;
- :mod:`.jobs`     the solver service: solves run in worker processes
                   (:mod:`.worker`), with progress by stage, a wall-clock guard
                   on the time limit and a cache keyed by the inputs' content hash;
- :mod:`.store`    named scenarios under ``models/`` and per-session drafts;
- :mod:`.views`    headline figures, tables and scenario comparisons from a
                   plan's JSON dict;
- :mod:`.charts`   plotly figures, including an offline schematic map (:mod:`.geo`);
- :mod:`.analyses` the analyses (why the gaps, withdrawal stress, frontiers) run
                   in subprocesses (:mod:`.analysis_worker`) with progress and a
                   cache keyed by the inputs' hash; :mod:`.analysis_views` their
                   tables and figures.

Importing this package never imports pyomo: only the worker processes of
:mod:`.jobs` and :mod:`.analyses` load the engine.
"""
