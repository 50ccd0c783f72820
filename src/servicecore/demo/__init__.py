"""``servicecore demo``: a small service company simulated for months on SQL storage.

The simulation runs the library as a host would, through the public API and units of
work only: Gold and Silver SLA tiers, customers with subscriptions invoiced and
recognised month by month (batch runs, scaled out over worker processes with
``--workers``), service orders created by hand and walked through their stages to
posting, repairs with symptom and diagnosis codes and part replacements on the pumps'
service BOMs, SLA clocks with a few breaches turned into service credits. Each area is a
module with one step (:data:`servicecore.demo.simulation.STEPS`); see docs/demo.md.
The feature tour that ``servicecore tour`` prints lives in :mod:`servicecore.demo.tour`.
"""

from servicecore.demo.run import (
    DEFAULT_DB,
    DemoError,
    read_report,
    run_demo_command,
    run_report_command,
)
from servicecore.demo.simulation import STEPS, simulate
from servicecore.demo.world import DEMO_FORMAT, DEMO_RUNS, DemoRun, DemoSettings, Step, World

__all__ = [
    "DEFAULT_DB",
    "DEMO_FORMAT",
    "DEMO_RUNS",
    "STEPS",
    "DemoError",
    "DemoRun",
    "DemoSettings",
    "Step",
    "World",
    "read_report",
    "run_demo_command",
    "run_report_command",
    "simulate",
]
