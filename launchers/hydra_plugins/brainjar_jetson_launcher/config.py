"""Config of the Jetson-aware launcher (``hydra/launcher=jetson``)."""

# no `from __future__ import annotations` here: Hydra's plugin scan executes this module
# outside sys.modules, where dataclasses cannot resolve string annotations
from dataclasses import dataclass, field

from hydra.core.config_store import ConfigStore


@dataclass
class RayBackendConf:
    """Options of ``hydra.launcher.backend=ray`` (docs/multi-jetson.md)."""

    # the Ray head: host:port, auto (a cluster started on this machine with `ray start`)
    # or local (a private one-machine Ray for this sweep, stopped at its end)
    address: str = "auto"
    # times Ray re-runs a job whose node died or whose Ray worker failed (0 = never)
    max_node_retries: int = 3
    # share of a node's device resource (e.g. orin_agx, declared by `ray start --resources`) one job takes
    device_resource_amount: float = 0.001
    # environment variables (glob patterns) of the launching shell handed to every job, such
    # as credentials; everything else (paths like PGPASSFILE, HF_HOME) comes from the node's own
    forward_env: list[str] = field(
        default_factory=lambda: ["PGPASSWORD", "PGUSER", "OPENAI_API_KEY", "HF_TOKEN", "BRAINJAR_*"]
    )
    # directory on each node where a job runs before its files are sent back (null = the node's temp dir)
    scratch_dir: str | None = None
    # keep each job's scratch directory on its node after its files were sent back
    keep_scratch: bool = False
    # seconds between checks of the cluster's nodes (progress line, jobs no node can run)
    poll_s: float = 2.0
    # a job that no live node can hold for this long (its board died) fails, to be resumed later
    unplaceable_s: float = 120.0


@dataclass
class JetsonLauncherConf:
    _target_: str = "hydra_plugins.brainjar_jetson_launcher.jetson_launcher.JetsonLauncher"
    # share of total RAM kept back for the system; the rest is the memory budget for jobs
    reserve_fraction: float = 0.3
    # memory budget in GB instead of the share above (null = from the machine's total RAM)
    memory_budget_gb: float | None = None
    # CPU threads jobs may use at once (null = the machine's cores)
    cpu_slots: int | None = None
    # never run more jobs than this at once (null = no cap beyond memory and CPU)
    max_parallel: int | None = None
    # hook: dotted path of function(job_config) -> (memory GB | None, threads) giving a job's needs (null = defaults below)
    job_resources: str | None = None
    # memory need of a job whose config does not say (GB)
    default_job_memory_gb: float = 1.0
    # start a job only while the machine's live available memory stays above this (GB)
    safety_margin_gb: float = 1.0
    # let a later job that fits start before an earlier one that does not
    backfill: bool = True
    # which waiting job is offered a place first: sweep_order, or longest_first (the longest
    # predicted by the job_duration hook; unpredicted jobs first); null = longest_first when a
    # job_duration hook is set, else sweep_order. Job numbers and dirs stay in sweep order.
    policy: str | None = None
    # hook: dotted path of function(job_config) -> predicted seconds of a job, or null when
    # unknown; read by policy longest_first (null = no predictions)
    job_duration: str | None = None
    # the job_resources and job_duration hooks may be given, on a job's first launch in a new
    # sweep, the job's config without its hydra node as the sweeper checked it (a plain dict),
    # instead of its config composed again for them; true only for hooks that read either
    hooks_read_plans: bool = False
    # hook: dotted path of function() -> names of modules the job-process server imports once,
    # so each forked job starts with them loaded (start_method forkserver; null = none)
    job_preload: str | None = None
    # pause admission while any thermal zone is above this (C); null = never
    thermal_pause_c: float | None = 80.0
    # resume admission below this (C)
    thermal_resume_c: float | None = 75.0
    # seconds between temperature readings
    thermal_poll_s: float = 2.0
    # kill a job that runs longer than this (seconds); null = no limit
    timeout_s: float | None = None
    # seconds an interrupted sweep gives its running jobs to record themselves before killing them
    stop_grace_s: float = 10.0
    # how a job's process starts: forkserver (fast, preloaded) or spawn
    start_method: str = "forkserver"
    # start_method forkserver: the job-process server is the sweep's own process forked (on
    # Linux, while the sweep runs one thread), so it starts with what the sweep imported;
    # false: a new interpreter that imports it all again (multiprocessing's way)
    server_from_sweep: bool = True
    # progress display: auto (a live bar on a terminal, log lines otherwise), rich, plain or none
    progress: str = "auto"
    # seconds between plain progress lines
    progress_every_s: float = 5.0
    # root of the filesystem read for device facts (tests point it at a fake device tree)
    device_root: str = "/"
    # hook: dotted path of function(job_config) -> the device kind a job must run on, or
    # (kind, config key that chose it); a Ray custom resource (null = any node)
    job_placement: str | None = None
    # hook: dotted path of function(job_configs, hosts) that refuses, in one line and before any
    # job, what the task cannot do when its jobs run on the other machines `hosts` (null = none)
    preflight: str | None = None
    # hook: dotted path of function(job_config, sweep_dir) that sets, in a job's config, what names
    # its sweep before it runs on another machine than the one of sweep_dir (null = none)
    job_identity: str | None = None
    # hook: dotted path of function(job_config, job_dir) run before each attempt of a job, e.g. to
    # clear what an earlier attempt left unfinished (null = none)
    job_before: str | None = None
    # hook: dotted path of function(job_config, job_dir) -> the return value of a job that recorded
    # itself as completed in job_dir, else null; it wins over what happened to its process (null = none)
    job_left: str | None = None
    # hook: dotted path of function(job_config, job_dir, status, reason, pid) recording how a job ended
    # (completed, failed, timeout, interrupted) in the task's own records (null = none)
    job_end: str | None = None
    # hook: dotted path of function(files, node) -> files: a job's files (relative path -> bytes) as
    # they come back from a Ray node, in the order to write them (null = as they come)
    job_files: str | None = None
    # hook: dotted path of a callable(sweep_dir, sweep_config, plan) -> an object whose update(jobs)
    # is called as jobs start and end, e.g. to write files about the whole sweep (null = none)
    sweep_report: str | None = None
    # call the sweep_report hook (false: no report, whatever the hook)
    sweep_files: bool = True
    # where jobs run: local (processes on this machine) or ray (tasks on a Ray cluster, [ray] extra)
    backend: str = "local"
    # the Ray backend's options (used when backend=ray)
    ray: RayBackendConf = field(default_factory=RayBackendConf)


ConfigStore.instance().store(
    group="hydra/launcher", name="jetson", node=JetsonLauncherConf, provider="brainjar_sweep"
)
