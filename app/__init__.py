"""nn-playground: NumPy MLPs trained on a server and streamed live to the browser."""

import os

# The playground's matrices are tiny (at most 32 wide): BLAS threads only add hand-off
# latency, and on a busy machine they multiply grid times several-fold. Before NumPy loads.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
