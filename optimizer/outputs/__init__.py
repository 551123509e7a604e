"""Writers for a plan: ``plan.json`` (:mod:`.json_out`) and ``plan.xlsx`` (:mod:`.excel_out`)."""

from optimizer.outputs.excel_out import write_plan_xlsx
from optimizer.outputs.json_out import plan_to_dict, write_plan_json

__all__ = ["plan_to_dict", "write_plan_json", "write_plan_xlsx"]
