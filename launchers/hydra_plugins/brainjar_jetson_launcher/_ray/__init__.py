"""Ray backend of the Jetson-aware launcher (``hydra.launcher.backend=ray``).

Each job becomes one Ray task that asks for the job's own memory and CPU threads, plus a
small share of a custom resource named after the job's device kind (the ``job_placement``
hook) when it has one; Ray's scheduler places it on a node where that fits. Ray is called
directly (see docs/multi-jetson.md for why this is not hydra-ray-launcher).

- ``_cluster``: joining the cluster, its live nodes, whether a job fits one, task options;
- ``_node``: the node task, which runs one job in its own supervised process, exactly as
  the local backend does, in a scratch directory, and sends the job's files back;
- ``_driver``: :class:`RayBackend`, the backend on the launching machine.

A node that dies while running a job is Ray's to handle: the task is re-run elsewhere
(``max_node_retries``); when the retries are used up the job is a failed job that a resume
runs again, never a failed sweep.
"""
