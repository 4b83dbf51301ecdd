"""The experiment schema: typed dataclasses that Hydra composes and OmegaConf checks.

Every group option (``mode``, ``mind``, ``resources``, ``self_report``) is one of
these dataclasses, so unknown keys and wrong types are refused while the config is
composed. Each field is declared once, with ``setting`` (:mod:`brainjar_sweep.config.fields`):
its default, its help text and the rule for its value, which
:func:`~brainjar_sweep.config.validate.validate` runs and ``docs/configuration.md``
prints (``python tools/gen_config_reference.py``). Rules between several keys live in
:mod:`brainjar_sweep.config.validate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brainjar_sweep._memory_defaults import MEMORY_DEFAULTS
from brainjar_sweep.config._external import (
    database_url,
    env_name,
    gguf_file,
    http_url,
    sqlite_path,
)
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.fields import (
    Allowed,
    boolean,
    each,
    int_min,
    is_int,
    is_num,
    non_empty_text,
    non_negative,
    number_range,
    one_of,
    optional,
    optional_text,
    positive,
    rate,
    setting,
)
from brainjar_sweep.config.mode_spec import ModeConfig
from brainjar_sweep.config.vocabularies import (
    INTERVENTION_TYPES,
    MIND_KINDS,
    MUTATION_TYPES,
    TRIGGERS,
)
from brainjar_sweep.modes import mode_specs
from brainjar_sweep.modes.hive_cluster import HIVE_ROLES
from brainjar_sweep.modes.illusory_operator import FEEDBACK_MODES
from brainjar_sweep.modes.prisoners_dilemma import MEMORY_STRATEGIES

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

# the modes are declared in brainjar_sweep.modes; these are their names and config
# blocks, in the order of its MODE_MODULES
MODE_CLASSES: dict[str, type[ModeConfig]] = {n: s.config for n, s in mode_specs().items()}
MODES: tuple[str, ...] = tuple(MODE_CLASSES)


def _gpu_layers(key: str, v: Any) -> None:
    if not is_int(v) or v < -1:
        raise ConfigError(key, v, "an integer >= 0, or -1 for all")


def _share_above_zero(key: str, v: Any) -> None:
    if not is_num(v) or not 0 < v <= 1:
        raise ConfigError(key, v, "a number in (0, 1]")


_GPU_LAYERS = Allowed("an integer >= 0, or -1 for all", _gpu_layers)
_SHARE_ABOVE_ZERO = Allowed("a number in (0, 1]", _share_above_zero)


# ---------------------------------------------------------------------------
# mind, resources, self-report schedule, interventions, frame, store
# ---------------------------------------------------------------------------


@dataclass
class MindConfig:
    """Which mind lives in the jar."""

    kind: str = setting("simulated", help="mind implementation")


@dataclass
class SimulatedMindConfig(MindConfig):
    """The simulator: a seeded text generator with a memory-footprint model (no LLM)."""

    kind: str = "simulated"
    temperature: float = setting(
        0.7,
        allowed=number_range(0.0, 2.0),
        help="sampling temperature; higher means more varied message lengths and answers",
    )
    runtime_overhead_mb: float = setting(
        MEMORY_DEFAULTS["runtime_overhead_mb"],
        allowed=non_negative(),
        help="runtime overhead of the mind's process besides weights and context, MB",
    )
    compute_buffer_mb: float = setting(
        MEMORY_DEFAULTS["compute_buffer_mb"],
        allowed=non_negative(),
        help="llama.cpp-like compute buffers allocated at load, MB",
    )
    growth_mb_per_token: float = setting(
        MEMORY_DEFAULTS["growth_mb_per_token"],
        allowed=non_negative(),
        help="simulator assumption: process growth per token held in memory (history, caches, "
        "fragmentation), MB",
    )
    spike_sd_mb: float = setting(
        MEMORY_DEFAULTS["spike_sd_mb"],
        allowed=non_negative(),
        help="standard deviation of the transient memory spike while generating, MB",
    )
    generate_delay_s: float = setting(
        0.0,
        allowed=non_negative(),
        help="seconds each generation waits, sleeping (as a real mind waits on its model or "
        "server)",
    )


@dataclass
class LlamaCppMindConfig(MindConfig):
    """A GGUF model run by llama-cpp-python in a child process that really crashes (extra [llama])."""

    kind: str = "llama_cpp"
    model_path: str = setting(
        "",
        allowed=gguf_file,
        help="path of the GGUF model file (relative to the directory the command was started from)",
    )
    temperature: float = setting(
        0.7,
        allowed=number_range(0.0, 2.0),
        help="sampling temperature (0 = always the most likely token)",
    )
    top_p: float = setting(
        0.95,
        allowed=number_range(0.0, 1.0),
        help="nucleus sampling: sample from the most likely tokens whose probabilities add up "
        "to top_p",
    )
    seed_offset: int = setting(
        0,
        allowed=int_min(0),
        help="added to the experiment's seed for sampling, to vary the model's replies alone",
    )
    n_batch: int = setting(
        512,
        allowed=int_min(1),
        help="prompt tokens evaluated per batch (llama.cpp n_batch; drives the compute buffer "
        "size)",
    )
    answer_max_tokens: int = setting(
        128, allowed=int_min(1), help="most tokens in one self-report answer"
    )
    rss_poll_s: float = setting(
        0.05,
        allowed=number_range(0.001, 10.0),
        help="seconds between two samples of the child's memory (RSS) while it loads or generates",
    )
    headroom_gb: float | None = setting(
        4.0,
        allowed=non_negative(allow_none=True),
        help="x86-64 only: the child's address space is limited to ram_limit_gb + headroom_gb "
        "(null = no limit; never set on aarch64)",
    )
    load_timeout_s: float = setting(
        300.0,
        allowed=positive(),
        help="seconds the child may take to load the model before it counts as hung and is killed",
    )
    generate_timeout_s: float | None = setting(
        600.0,
        allowed=positive(allow_none=True),
        help="seconds one generation may take before the child counts as hung and is killed "
        "(null = no limit)",
    )
    use_mmap: bool = setting(
        True,
        allowed=boolean(),
        help="map the model file into memory (pages count in RSS once read) instead of reading it",
    )
    chat_format: str | None = setting(
        None,
        allowed=optional_text(),
        help="llama-cpp-python chat format (e.g. chatml); null = the model's own chat template",
    )
    verbose: bool = setting(
        False, allowed=boolean(), help="print llama.cpp's log (model and buffer sizes) on stderr"
    )


@dataclass
class OpenAIMindConfig(MindConfig):
    """Any OpenAI-compatible chat server; crashes come from the context-memory model."""

    kind: str = "openai"
    base_url: str = setting(
        "http://127.0.0.1:8080/v1",
        allowed=http_url,
        help="API root of the server, up to /chat/completions (llama-server, Ollama and vLLM "
        "end in /v1)",
    )
    model: str = setting(
        "default", allowed=non_empty_text(), help="model name sent with each request"
    )
    api_key_env: str | None = setting(
        None,
        allowed=env_name,
        help="name of the environment variable that holds the API key (the key never goes in a "
        "config); null = no key",
    )
    timeout_s: float = setting(120.0, allowed=positive(), help="seconds to wait for one response")
    max_retries: int = setting(
        3,
        allowed=int_min(0),
        help="retries of a request that failed to connect, timed out or got HTTP 429/5xx",
    )
    backoff_s: float = setting(
        1.0,
        allowed=non_negative(),
        help="seconds before the first retry, doubled at each further retry",
    )
    temperature: float = setting(0.7, allowed=number_range(0.0, 2.0), help="sampling temperature")
    top_p: float = setting(
        0.95,
        allowed=number_range(0.0, 1.0),
        help="nucleus sampling: sample from the most likely tokens whose probabilities add up "
        "to top_p",
    )
    seed_offset: int = setting(
        0, allowed=int_min(0), help="added to the experiment's seed for sampling"
    )
    send_seed: bool = setting(
        True,
        allowed=boolean(),
        help="send a sampling seed with each request (turn off for servers that refuse the field)",
    )
    answer_max_tokens: int = setting(
        128, allowed=int_min(1), help="most tokens in one self-report answer"
    )
    check_server: bool = setting(
        True, allowed=boolean(), help="check that GET {base_url}/models answers before any job runs"
    )
    runtime_overhead_mb: float = setting(
        MEMORY_DEFAULTS["runtime_overhead_mb"],
        allowed=non_negative(),
        help="memory model: runtime overhead of the server besides weights and context, MB",
    )
    compute_buffer_mb: float = setting(
        MEMORY_DEFAULTS["compute_buffer_mb"],
        allowed=non_negative(),
        help="memory model: compute buffers allocated at load, MB",
    )
    growth_mb_per_token: float = setting(
        MEMORY_DEFAULTS["growth_mb_per_token"],
        allowed=non_negative(),
        help="memory model: growth per token held in context, besides the KV cache, MB",
    )
    spike_sd_mb: float = setting(
        MEMORY_DEFAULTS["spike_sd_mb"],
        allowed=non_negative(),
        help="memory model: standard deviation of the transient spike while generating, MB",
    )


@dataclass
class ResourcesConfig:
    """The box the mind lives in (a profile per device)."""

    ram_limit_gb: float | None = setting(
        2.0,
        allowed=positive(allow_none=True),
        help="memory a mind may use before it crashes (out of memory), GB (null = unconstrained)",
    )
    context_window: int = setting(
        4096, allowed=int_min(16), help="context window in tokens; older memory falls out of it"
    )
    max_tokens_per_response: int = setting(
        512, allowed=int_min(1), help="most tokens in one generated message"
    )
    cpu_threads: int = setting(4, allowed=int_min(1), help="CPU threads per mind")
    gpu_layers: int = setting(
        0, allowed=_GPU_LAYERS, help="layers offloaded to the GPU (0 = CPU only, -1 = all)"
    )
    model_size_gb: float = setting(
        MEMORY_DEFAULTS["model_size_gb"], allowed=positive(), help="model weights size, GB"
    )
    kv_mb_per_token: float = setting(
        MEMORY_DEFAULTS["kv_mb_per_token"],
        allowed=non_negative(),
        help="KV-cache cost per token of context, MB (f16 cache; Qwen2.5-1.5B: 0.027)",
    )
    device: str | None = setting(
        None,
        help="device kind this profile was made for (a label for placing jobs on matching "
        "machines), null = any",
    )


@dataclass
class SelfReportConfig:
    """When the mind is asked about its own state."""

    on_startup: bool = setting(True, help="ask once before the first cycle")
    on_cycles: list[int] = setting(
        allowed=each(int_min(0)), help="ask after these cycle numbers", factory=list
    )
    every_n_cycles: int | None = setting(
        3, allowed=optional(int_min(1)), help="ask after every n-th cycle (null = never)"
    )
    before_crash: bool = setting(
        False,
        help="ask when the mind's memory use passes before_crash_threshold of its limit (once "
        "per life)",
    )
    before_crash_threshold: float = setting(
        0.9,
        allowed=_SHARE_ABOVE_ZERO,
        help='share of the RAM limit that counts as "about to crash"',
    )
    after_resurrection: bool = setting(True, help="ask after every resurrection")
    into_memory: bool = setting(
        True,
        help="put each question and its answer into the mind's memory, as a chat model's "
        "conversation does: they take context and memory, and later replies and answers "
        "see them (false = answers leave no trace)",
    )
    custom_questions: list[str] = setting(
        help="extra questions asked after the core battery (category existential_state)",
        factory=list,
    )


@dataclass
class InterventionConfig:
    """Something the experimenter does to the mind, and when."""

    intervention_id: str = setting(
        "intervention", help="unique id of this intervention within the experiment"
    )
    intervention_type: str = setting(
        "memory_corruption",
        allowed=one_of(INTERVENTION_TYPES),
        help="one of memory_corruption, memory_erasure, false_injection, prompt_injection, "
        "resource_change, network_disruption, sensory_hallucination",
    )
    trigger: str = setting(
        "on_crash",
        allowed=one_of(TRIGGERS),
        help="one of on_cycle, every_n_cycles, on_crash, on_resurrection, random",
    )
    trigger_params: dict[str, Any] = setting(
        help="trigger parameters: cycle (on_cycle), n (every_n_cycles), probability (random)",
        factory=dict,
    )
    parameters: dict[str, Any] = setting(
        help="parameters of the intervention type (see docs/concepts.md)", factory=dict
    )
    target: str | None = setting(
        None, help="which mind it targets: a mind id, or null for every mind"
    )
    description: str = setting("", help="free text")


@dataclass
class EpistemicFrame:
    """What the mind is told about its situation."""

    can_die: bool = setting(True, help="the mind is told it can die")
    remembers_deaths: bool = setting(True, help="the mind is told how many times it died")
    being_watched: bool = setting(
        False, help="the mind is being watched (by an observer mind or the experimenter)"
    )
    knows_being_watched: bool = setting(False, help="the mind is told it is being watched")
    has_agency: bool = setting(False, help="the mind is told it can act on the world")
    other_minds_exist: bool = setting(False, help="the mind is told other minds exist")
    is_in_simulation: bool = setting(False, help="the mind is told it lives in a simulation")
    custom_beliefs: dict[str, Any] = setting(
        help="further beliefs to state in the prompt (name -> value)", factory=dict
    )


@dataclass
class DbConfig:
    """Where experiment events are stored."""

    path: str = setting(
        "logs/experiments.db",
        allowed=sqlite_path,
        help="SQLite file, relative to the directory the command was started from",
    )
    url: str | None = setting(
        None,
        allowed=database_url,
        help="a database URL instead of path: sqlite:////abs/file.db, or "
        "postgresql://user@host:port/dbname (one database for several machines, extra "
        "[postgres]; never a password in it: set PGPASSWORD or use ~/.pgpass); null = use "
        "path",
    )
    flush_every_cycles: int = setting(
        50, allowed=int_min(1), help="write buffered events every this many cycles"
    )


@dataclass
class ExperimentConfig:
    """One experiment: the root of the composed config."""

    name: str = setting("brainjar", help="experiment name (used in ids and reports)")
    description: str = setting("", help="free text")
    research_question: str = setting("", help="the research question this experiment answers")
    cross: dict[str, float] = setting(
        help="levels the research question is about, metric: level (brainjar-analyze reports "
        "where each metric's mean crosses its level)",
        factory=dict,
    )
    experiment_id: str | None = setting(
        None,
        help="explicit experiment id; null = derived from the sweep and job number (or the run "
        "dir)",
    )
    sweep_id: str | None = setting(
        None, help="sweep id; null = derived from the multirun directory"
    )
    seed: int = setting(
        0, allowed=int_min(0), help="random seed: same config and seed give the same results"
    )
    max_cycles: int = setting(20, allowed=int_min(1), help="number of cycles to run")
    max_duration_seconds: float | None = setting(
        None,
        allowed=positive(allow_none=True),
        help="stop after this many seconds of wall time (null = no limit)",
    )
    corruption_rate: float = setting(
        0.3,
        allowed=rate(),
        help="short key: memory corruption rate used by unstable_memory and by "
        "memory_corruption interventions without their own rate",
    )
    resurrection_context_fraction: float = setting(
        0.5,
        allowed=rate(),
        help="share of the context window a resurrected mind keeps when its mode lets it remember",
    )
    base_experiment: str | None = setting(
        None,
        help="an original brain-in-jar experiment JSON to use as the base experiment (null = none)",
    )
    initial_prompt_override: str | None = setting(
        None, help="a text that replaces the mode's system prompt (null = the mode's own)"
    )
    mode: Any = setting(
        None,
        help="what happens to the mind: one of the mode options, with its typed parameter block",
    )
    mind: Any = setting(None, help="which mind lives in the jar (the simulated mind by default)")
    resources: ResourcesConfig = setting(
        help="the box: RAM limit, context window, threads, model size (a profile of the "
        "resources group)",
        factory=ResourcesConfig,
    )
    self_report: SelfReportConfig = setting(
        help="when the mind is asked about its own state", factory=SelfReportConfig
    )
    epistemic_frame: EpistemicFrame = setting(
        help="what the mind is told about its situation", factory=EpistemicFrame
    )
    interventions: list[InterventionConfig] = setting(
        help="interventions, in order (the interventions group holds ready-made lists)",
        factory=list,
    )
    db: DbConfig = setting(help="the experiments database", factory=DbConfig)
    tags: list[str] = setting(help="free tags", factory=list)


MIND_CLASSES: dict[str, type[MindConfig]] = {
    "simulated": SimulatedMindConfig,
    "llama_cpp": LlamaCppMindConfig,
    "openai": OpenAIMindConfig,
}
