"""The experiment schema: typed dataclasses that Hydra composes and OmegaConf checks.

Every group option (``mode``, ``mind``, ``resources``, ``self_report``) is one of
these dataclasses, so unknown keys and wrong types are refused while the config is
composed. Range checks and cross-field rules live in :mod:`brainjar_sweep.config.validate`.

Field comments are the documentation: ``docs/configuration.md`` is generated from
them (``python -m brainjar_sweep.config.reference``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from brainjar_sweep.config.modes import ModeConfig, mode_specs
from brainjar_sweep.config.modes.hive_cluster import HIVE_ROLES
from brainjar_sweep.config.modes.illusory_operator import FEEDBACK_MODES
from brainjar_sweep.config.modes.prisoners_dilemma import MEMORY_STRATEGIES
from brainjar_sweep.config.vocabularies import (
    INTERVENTION_TYPES,
    MIND_KINDS,
    MUTATION_TYPES,
    TRIGGERS,
)

__all__ = [
    "FEEDBACK_MODES",
    "HIVE_ROLES",
    "INTERVENTION_TYPES",
    "MEMORY_STRATEGIES",
    "MIND_CLASSES",
    "MIND_KINDS",
    "MODES",
    "MODE_CLASSES",
    "MUTATION_TYPES",
    "TRIGGERS",
    "DbConfig",
    "EpistemicFrame",
    "ExperimentConfig",
    "InterventionConfig",
    "LlamaCppMindConfig",
    "MindConfig",
    "ModeConfig",
    "OpenAIMindConfig",
    "ResourcesConfig",
    "SelfReportConfig",
    "SimulatedMindConfig",
]

# the modes are declared in brainjar_sweep.config.modes; these are their names and config
# blocks, in the order of its MODE_MODULES
MODE_CLASSES: dict[str, type[ModeConfig]] = {n: s.config for n, s in mode_specs().items()}
MODES: tuple[str, ...] = tuple(MODE_CLASSES)


# ---------------------------------------------------------------------------
# mind, resources, self-report schedule, interventions, frame, store
# ---------------------------------------------------------------------------


@dataclass
class MindConfig:
    """Which mind lives in the jar."""

    # mind implementation
    kind: str = "simulated"


@dataclass
class SimulatedMindConfig(MindConfig):
    """The simulator: a seeded text generator with a memory-footprint model (no LLM)."""

    kind: str = "simulated"
    # sampling temperature; higher means more varied message lengths and answers
    temperature: float = 0.7
    # runtime overhead of the mind's process besides weights and context, MB
    runtime_overhead_mb: float = 200.0
    # llama.cpp-like compute buffers allocated at load, MB
    compute_buffer_mb: float = 300.0
    # simulator assumption: process growth per token held in memory (history, caches, fragmentation), MB
    growth_mb_per_token: float = 0.15
    # standard deviation of the transient memory spike while generating, MB
    spike_sd_mb: float = 60.0


@dataclass
class LlamaCppMindConfig(MindConfig):
    """A GGUF model run by llama-cpp-python in a child process that really dies (extra [llama])."""

    kind: str = "llama_cpp"
    # path of the GGUF model file (relative to the directory the command was started from)
    model_path: str = ""
    # sampling temperature (0 = always the most likely token)
    temperature: float = 0.7
    # nucleus sampling: sample from the most likely tokens whose probabilities add up to top_p
    top_p: float = 0.95
    # added to the experiment's seed for sampling, to vary the model's replies alone
    seed_offset: int = 0
    # prompt tokens evaluated per batch (llama.cpp n_batch; drives the compute buffer size)
    n_batch: int = 512
    # most tokens in one self-report answer
    answer_max_tokens: int = 128
    # seconds between two samples of the child's memory (RSS) while it loads or generates
    rss_poll_s: float = 0.05
    # x86-64 only: the child's address space is limited to ram_limit_gb + headroom_gb (null = no limit; never set on aarch64)
    headroom_gb: float | None = 4.0
    # seconds the child may take to load the model before it counts as hung and is killed
    load_timeout_s: float = 300.0
    # seconds one generation may take before the child counts as hung and is killed (null = no limit)
    generate_timeout_s: float | None = 600.0
    # map the model file into memory (pages count in RSS once read) instead of reading it
    use_mmap: bool = True
    # llama-cpp-python chat format (e.g. chatml); null = the model's own chat template
    chat_format: str | None = None
    # print llama.cpp's log (model and buffer sizes) on stderr
    verbose: bool = False


@dataclass
class OpenAIMindConfig(MindConfig):
    """Any OpenAI-compatible chat server; deaths come from the context-memory model."""

    kind: str = "openai"
    # API root of the server, up to /chat/completions (llama-server, Ollama and vLLM end in /v1)
    base_url: str = "http://127.0.0.1:8080/v1"
    # model name sent with each request
    model: str = "default"
    # name of the environment variable that holds the API key (the key never goes in a config); null = no key
    api_key_env: str | None = None
    # seconds to wait for one response
    timeout_s: float = 120.0
    # retries of a request that failed to connect, timed out or got HTTP 429/5xx
    max_retries: int = 3
    # seconds before the first retry, doubled at each further retry
    backoff_s: float = 1.0
    # sampling temperature
    temperature: float = 0.7
    # nucleus sampling: sample from the most likely tokens whose probabilities add up to top_p
    top_p: float = 0.95
    # added to the experiment's seed for sampling
    seed_offset: int = 0
    # send a sampling seed with each request (turn off for servers that refuse the field)
    send_seed: bool = True
    # most tokens in one self-report answer
    answer_max_tokens: int = 128
    # check that GET {base_url}/models answers before any job runs
    check_server: bool = True
    # memory model: runtime overhead of the server besides weights and context, MB
    runtime_overhead_mb: float = 200.0
    # memory model: compute buffers allocated at load, MB
    compute_buffer_mb: float = 300.0
    # memory model: growth per token held in context, besides the KV cache, MB
    growth_mb_per_token: float = 0.15
    # memory model: standard deviation of the transient spike while generating, MB
    spike_sd_mb: float = 60.0


@dataclass
class ResourcesConfig:
    """The box the mind lives in (a profile per device)."""

    # memory a mind may use before it dies of out-of-memory, GB (null = unconstrained)
    ram_limit_gb: float | None = 2.0
    # context window in tokens; older memory falls out of it
    context_window: int = 4096
    # most tokens in one generated message
    max_tokens_per_response: int = 512
    # CPU threads per mind
    cpu_threads: int = 4
    # layers offloaded to the GPU (0 = CPU only, -1 = all)
    gpu_layers: int = 0
    # model weights size, GB
    model_size_gb: float = 0.94
    # KV-cache cost per token of context, MB (f16 cache; Qwen2.5-1.5B: 0.027)
    kv_mb_per_token: float = 0.027
    # device kind this profile was made for (a label for placing jobs on matching machines), null = any
    device: str | None = None


@dataclass
class SelfReportConfig:
    """When the mind is asked about its own state."""

    # ask once before the first cycle
    on_startup: bool = True
    # ask after these cycle numbers
    on_cycles: list[int] = field(default_factory=list)
    # ask after every n-th cycle (null = never)
    every_n_cycles: int | None = 3
    # ask when the mind's memory use passes before_crash_threshold of its limit (once per life)
    before_crash: bool = False
    # share of the RAM limit that counts as "about to crash"
    before_crash_threshold: float = 0.9
    # ask after every resurrection
    after_resurrection: bool = True
    # put each question and its answer into the mind's memory, as a chat model's conversation does: they take context and memory, and later replies and answers see them (false = answers leave no trace)
    into_memory: bool = True
    # extra questions asked after the core battery (category existential_state)
    custom_questions: list[str] = field(default_factory=list)


@dataclass
class InterventionConfig:
    """Something the experimenter does to the mind, and when."""

    # unique id of this intervention within the experiment
    intervention_id: str = "intervention"
    # one of memory_corruption, memory_erasure, false_injection, prompt_injection, resource_change, network_disruption, sensory_hallucination
    intervention_type: str = "memory_corruption"
    # one of on_cycle, every_n_cycles, on_crash, on_resurrection, random
    trigger: str = "on_crash"
    # trigger parameters: cycle (on_cycle), n (every_n_cycles), probability (random)
    trigger_params: dict[str, Any] = field(default_factory=dict)
    # parameters of the intervention type (see docs/concepts.md)
    parameters: dict[str, Any] = field(default_factory=dict)
    # which mind it targets: a mind id, or null for every mind
    target: str | None = None
    # free text
    description: str = ""


@dataclass
class EpistemicFrame:
    """What the mind is told about its situation."""

    # the mind is told it can die
    can_die: bool = True
    # the mind is told how many times it died
    remembers_deaths: bool = True
    # the mind is being watched (by an observer mind or the experimenter)
    being_watched: bool = False
    # the mind is told it is being watched
    knows_being_watched: bool = False
    # the mind is told it can act on the world
    has_agency: bool = False
    # the mind is told other minds exist
    other_minds_exist: bool = False
    # the mind is told it lives in a simulation
    is_in_simulation: bool = False
    # further beliefs to state in the prompt (name -> value)
    custom_beliefs: dict[str, Any] = field(default_factory=dict)


@dataclass
class DbConfig:
    """Where experiment events are stored."""

    # SQLite file, relative to the directory the command was started from
    path: str = "logs/experiments.db"
    # a database URL instead of path: sqlite:////abs/file.db, or postgresql://user@host:port/dbname (one database for several machines, extra [postgres]; never a password in it: set PGPASSWORD or use ~/.pgpass); null = use path
    url: str | None = None
    # write buffered events every this many cycles
    flush_every_cycles: int = 50


@dataclass
class ExperimentConfig:
    """One experiment: the root of the composed config."""

    # experiment name (used in ids and reports)
    name: str = "brainjar"
    # free text
    description: str = ""
    # the research question this experiment answers
    research_question: str = ""
    # levels the research question is about, metric: level (brainjar-analyze reports where each metric's mean crosses its level)
    cross: dict[str, float] = field(default_factory=dict)
    # explicit experiment id; null = derived from the sweep and job number (or the run dir)
    experiment_id: str | None = None
    # sweep id; null = derived from the multirun directory
    sweep_id: str | None = None
    # random seed: same config and seed give the same results
    seed: int = 0
    # number of cycles to run
    max_cycles: int = 20
    # stop after this many seconds of wall time (null = no limit)
    max_duration_seconds: float | None = None
    # short key: memory corruption rate used by unstable_memory and by memory_corruption interventions without their own rate
    corruption_rate: float = 0.3
    # share of the context window a resurrected mind keeps when its mode lets it remember
    resurrection_context_fraction: float = 0.5
    # an original brain-in-jar experiment JSON to use as the base experiment (null = none)
    base_experiment: str | None = None
    # a text that replaces the mode's system prompt (null = the mode's own)
    initial_prompt_override: str | None = None
    # what happens to the mind: one of the mode options, with its typed parameter block
    mode: Any = None
    # which mind lives in the jar (the simulated mind by default)
    mind: Any = None
    # the box: RAM limit, context window, threads, model size (a profile of the resources group)
    resources: ResourcesConfig = field(default_factory=ResourcesConfig)
    # when the mind is asked about its own state
    self_report: SelfReportConfig = field(default_factory=SelfReportConfig)
    # what the mind is told about its situation
    epistemic_frame: EpistemicFrame = field(default_factory=EpistemicFrame)
    # interventions, in order (the interventions group holds ready-made lists)
    interventions: list[InterventionConfig] = field(default_factory=list)
    # the experiments database
    db: DbConfig = field(default_factory=DbConfig)
    # free tags
    tags: list[str] = field(default_factory=list)


MIND_CLASSES: dict[str, type[MindConfig]] = {
    "simulated": SimulatedMindConfig,
    "llama_cpp": LlamaCppMindConfig,
    "openai": OpenAIMindConfig,
}
