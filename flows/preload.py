"""What the server that workers are forked from loads before it forks any (`flows/workers.py`):
the readers, Great Expectations, and every suite's checkpoint already built, so that each
worker starts with them instead of paying ≈ 0.2 s for its first validation. Imported there,
for that effect only.

Building is only a head start: should it fail (a suite being edited, a setting the workers
would refuse too), the server must still start; each worker then builds what it needs itself
and reports the problem where it belongs, with the batch it was validating.
"""

import gc

from flows.settings import Settings
from flows.validate import build_checkpoints  # and with it the readers (flows.extract)

try:
    build_checkpoints(Settings.load().expectations_dir)
except Exception:  # noqa: BLE001 - see above: the workers meet the same failure, and say it
    pass

# all of it lives as long as each worker forked from here: left out of their garbage collections
# (a full one walked ≈ 250,000 objects, ≈ 0.2 s for each 5,000 files a worker reads)
gc.freeze()
