"""Writers for a plan: ``plan.json`` (:mod:`.json_out`) and ``plan.xlsx`` (:mod:`.excel_out`);
:mod:`.safe_cells`, the one neutraliser of exported cell text, for every xlsx/csv writer.

The writers are imported lazily (PEP 562): they pull in the solver's result
types (and so pyomo), while :mod:`.safe_cells` is also used by the input
workbook writer, which the app imports without the solver.
"""

from __future__ import annotations

__all__ = ["plan_to_dict", "write_plan_json", "write_plan_xlsx"]


def __getattr__(name: str):
    if name == "write_plan_xlsx":
        from optimizer.outputs.excel_out import write_plan_xlsx

        return write_plan_xlsx
    if name in ("plan_to_dict", "write_plan_json"):
        from optimizer.outputs import json_out

        return getattr(json_out, name)
    raise AttributeError(f"module 'optimizer.outputs' has no attribute {name!r}")
