"""provmap: provision mapping and management for schools and trusts."""

import os

# The statistics (insights.estimator, the planner) work on small matrices: a few thousand
# rows by a dozen columns. OpenBLAS would start a thread for each core for them, and its
# threads cost far more than they save: on a server whose cores are busy with other
# requests, one least-squares fit took 50 ms instead of a tenth of one. Read when numpy is
# first imported, so it is set here, before anything imports it; a deployment may set its own.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
