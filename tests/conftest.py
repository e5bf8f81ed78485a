"""Test-suite settings.

Hypothesis draws the same examples on every run of ``make test`` (a fixed seed), so a CI run is
red only for a real regression, never for a newly drawn example. To search fresh examples, run
``HYPOTHESIS_PROFILE=explore make test``; a failure it finds prints the example, to be added as a
regression test (as in tests/model/test_solve.py).
"""

import os

from hypothesis import settings

settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
