# Two entry points that work on a fresh machine: `make run` and `make test`.
# Each creates the virtual environment when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run solve app test bench bench-hard bench-time clean workbook

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Plan the default workbook (prints the summary), then start the what-if workbench
# on http://localhost:8501 (Ctrl+C stops it).
run: $(STAMP)
	$(BIN)/forceplan solve data/contributions.xlsx
	$(BIN)/streamlit run app.py

# The command line only.
solve: $(STAMP)
	$(BIN)/forceplan solve data/contributions.xlsx

app: $(STAMP)
	$(BIN)/streamlit run app.py

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/run.py

# The hard class (issue 15): ../shared/bench/'s workbooks and 3 more of each size drawn alike, the strong
# formulation then the plain one (the ratio).  Long: up to 120 s (H50) and 300 s (H100) per solve.
bench-hard: $(STAMP)
	$(BIN)/python bench/run.py --sizes H50,H100 --engines pyomo --formulation strong --repeat 1 --tag hard-class
	$(BIN)/python bench/run.py --sizes H50,H100 --engines pyomo --formulation plain --repeat 1 --tag hard-class

# The plan over time (contract section 5): the default workbook and the 50-nation class over 6 periods.
bench-time: $(STAMP)
	$(BIN)/python bench/time_bench.py

workbook: $(STAMP)
	$(BIN)/python scripts/build_default_workbook.py data/contributions.xlsx

clean:
	rm -rf $(VENV) build *.egg-info
