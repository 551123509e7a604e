"""The one module that reaches into pyomo's and highspy's internals.

pyomo's persistent HiGHS interface (``pyomo.contrib.solver.solvers.highs.Highs``)
has no call for a MIP start, for dropping a solution HiGHS holds, for the
column of a variable, or for HiGHS's node and iteration counts; this module
reaches under it (``_solver_model``, ``_pyomo_var_to_solver_var_map``,
``_vars``) so that nothing else has to.  If pyomo renames them, this is the
file to mend.  Everything it hands out is plain Python: values by variable
id, and :class:`RunResult`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from dataclasses import dataclass

from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

RANDOM_SEED = 20260106  # fixed: the same workbook gives the same plan

# pyomo's solve() would re-scan the model and re-push every mutable value,
# which makes HiGHS drop a MIP start set after the explicit update().
_NO_AUTO_UPDATES = {
    "auto_updates": {
        "check_for_new_or_removed_constraints": False,
        "check_for_new_or_removed_vars": False,
        "check_for_new_or_removed_params": False,
        "check_for_new_objective": False,
        "update_constraints": False,
        "update_vars": False,
        "update_parameters": False,
        "update_named_expressions": False,
        "update_objective": False,
    }
}


class SolverFailure(RuntimeError):
    """The solver could not be run or failed; nothing should be written."""


@contextlib.contextmanager
def ctrl_c_noted():
    """Note a Ctrl-C that arrives while HiGHS runs, so the caller can raise it afterwards.

    HiGHS calls back into Python during a solve (pyomo's log capture); the
    KeyboardInterrupt that Python raises in such a callback is caught by
    highspy, and the solve ends at once with model status "solve error",
    which would otherwise pass for a time limit and be written as a plan.
    The handler still raises KeyboardInterrupt (so HiGHS stops at once) and
    records it.  Only Python's own default handler is replaced, in the main
    thread: an ignored SIGINT (solver pools) or an application's own handler
    is left alone.
    """
    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        yield caught
        return

    def handler(signum, frame):
        caught.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, handler)
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def new_solver() -> Highs:
    """pyomo's persistent HiGHS interface with forceplan's fixed options (one thread, fixed seed, quiet)."""
    opt = Highs()
    if not opt.available():
        raise SolverFailure("HiGHS (highspy) is not available; install the project's dependencies")
    opt.config.threads = 1
    opt.config.load_solutions = False
    opt.config.raise_exception_on_nonoptimal_result = False
    opt.config.solver_options["random_seed"] = RANDOM_SEED
    opt.config.solver_options["output_flag"] = False
    return opt


def highs_version() -> str:
    """HiGHS's version without creating a Highs object (which prints HiGHS's banner on the terminal)."""
    from importlib.metadata import version

    return version("highspy")


@dataclass
class RunResult:
    """What one HiGHS run says: the plan's values are read separately (:meth:`HighsModel.values`)."""

    has_solution: bool
    converged: bool  # HiGHS stopped on its gap criteria, not on the time limit
    incumbent: float | None  # HiGHS's reported objective of its incumbent
    bound: float | None  # HiGHS's proven bound
    status_text: str  # HiGHS's words for how the run ended
    optimize_seconds: float  # HiGHS's own run time
    handover_seconds: float  # bringing the model up to date, the start, and pyomo's part of the call
    nodes: int
    lp_iterations: int


class HighsModel:
    """A pyomo model loaded into HiGHS once, run as often as asked."""

    def __init__(self, m):
        self.m = m
        self.opt = new_solver()
        try:
            self.opt.set_instance(m)
        except Exception as exc:  # pyomo/HiGHS raise many kinds; one clear line for the user
            raise SolverFailure(f"HiGHS could not take the model: {type(exc).__name__}: {exc}") from exc
        self._highs = self.opt._solver_model
        self._highs.setOptionValue("output_flag", False)  # a fresh Highs() logs until the first solve sets it
        self._column = self.opt._pyomo_var_to_solver_var_map  # id(pyomo variable) -> HiGHS column

    def values(self) -> dict[int, float]:
        """The solution HiGHS holds, as values by variable id."""
        col_value = self._highs.getSolution().col_value
        return {vid: col_value[col] for vid, col in self._column.items()}

    def set_start(self, values: dict[int, float]) -> None:
        """Hand HiGHS a plan as its first incumbent (a MIP start), after the model is up to date.

        pyomo's interface has no warm-start call, so the values go through the
        underlying highspy object.  HiGHS checks the start and ignores it if
        infeasible.
        """
        import highspy

        col_value = [0.0] * self._highs.getNumCol()
        for vid, col in self._column.items():
            col_value[col] = values.get(vid, 0.0)
        sol = highspy.HighsSolution()
        sol.col_value = col_value
        sol.value_valid = True
        self._highs.setSolution(sol)

    def run(self, label: str, time_limit: float, rel_gap: float, abs_gap: float, start: dict[int, float] | None,
            presolve: str = "choose") -> RunResult:
        """Bring HiGHS up to date with the pyomo model, set the start (or drop any solution it
        holds: HiGHS would take it as a start), run.  Ctrl-C is raised as KeyboardInterrupt,
        a HiGHS error as :class:`SolverFailure`."""
        opt = self.opt
        opt.config.time_limit = max(time_limit, 0.01)
        opt.config.rel_gap = rel_gap
        opt.config.abs_gap = abs_gap
        opt.config.solver_options["presolve"] = presolve
        t0 = time.perf_counter()
        opt.update()
        if start is not None:
            self.set_start(start)
        else:
            self._highs.clearSolver()
        prepare = time.perf_counter() - t0
        try:
            with ctrl_c_noted() as interrupted:
                res = opt.solve(self.m, **_NO_AUTO_UPDATES)
        except Exception as exc:  # pyomo/HiGHS raise many kinds; one clear line for the user
            raise SolverFailure(f"HiGHS failed in {label}: {type(exc).__name__}: {exc}") from exc
        if interrupted:
            raise KeyboardInterrupt  # HiGHS swallowed it (see ctrl_c_noted); the plan so far is not a plan
        status_text = str(self._highs.modelStatusToString(self._highs.getModelStatus()))
        if res.termination_condition == TerminationCondition.error:
            raise SolverFailure(f"HiGHS failed in {label}: model status {status_text}")
        optimize = res.timing_info.timer.get_total_time("optimize")
        info = self._highs.getInfo()
        has_solution = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        return RunResult(
            has_solution=has_solution,
            converged=res.termination_condition == TerminationCondition.convergenceCriteriaSatisfied,
            incumbent=float(res.incumbent_objective) if has_solution else None,
            bound=None if res.objective_bound is None else float(res.objective_bound),
            status_text=status_text,
            optimize_seconds=optimize,
            handover_seconds=prepare + float(res.timing_info.wall_time) - optimize,
            nodes=int(max(info.mip_node_count, 0)),
            lp_iterations=int(max(info.simplex_iteration_count, 0)),
        )

    def sizes(self) -> dict[str, int]:
        """The model as HiGHS holds it."""
        h = self._highs
        return {
            "columns": h.getNumCol(),
            "integer_columns": sum(1 for v in self.opt._vars.values() if v[0].is_integer()),
            "rows": h.getNumRow(),
            "nonzeros": h.getNumNz(),
        }

    def version(self) -> str:
        return ".".join(str(v) for v in self.opt.version())
