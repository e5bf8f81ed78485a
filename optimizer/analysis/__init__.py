"""Stage 3, the analysis: the plan, diagnosis of infeasible plans, sensitivity, sweeps, compare,
checks of proposed plans, and provenance.

Imports the scenario and model stages, never output.
"""
