"""The pages of the forceplan what-if workbench (``streamlit run app.py``).

``state`` holds what every page shares (session state, the scenario switches
and the Solve button in the sidebar, the solver progress); the page scripts
are ``plan.py``, ``inputs.py``, ``scenarios.py`` and ``compare.py``.  The
logic lives in :mod:`optimizer.workbench`; these files only lay it out.
"""
