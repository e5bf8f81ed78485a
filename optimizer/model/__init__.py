"""Stage 2, the model: the program a scenario defines as arrays, its build, the solver adapters
(HiGHS directly; PuLP for CBC and LP files), statuses and verification without a solver.

Imports only the scenario stage and the shared modules.
"""
