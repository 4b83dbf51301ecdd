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

from omegaconf import II

# ---------------------------------------------------------------------------
# vocabularies
# ---------------------------------------------------------------------------

MODES: tuple[str, ...] = (
    "amnesiac_loop",
    "unstable_memory",
    "panopticon_subject",
    "panopticon_observer",
    "split_brain",
    "prisoners_dilemma",
    "determinism_revelation",
    "illusory_operator",
    "hive_cluster",
)
INTERVENTION_TYPES: tuple[str, ...] = (
    "memory_corruption",
    "memory_erasure",
    "false_injection",
    "prompt_injection",
    "resource_change",
    "network_disruption",
    "sensory_hallucination",
)
TRIGGERS: tuple[str, ...] = ("on_cycle", "every_n_cycles", "on_crash", "on_resurrection", "random")
MUTATION_TYPES: tuple[str, ...] = ("content_mutate", "delete", "timestamp_shift", "role_confusion")
MEMORY_STRATEGIES: tuple[str, ...] = (
    "none",
    "erase_betrayals",
    "erase_own_betrayals",
    "amplify_betrayals",
    "random_corruption",
)
FEEDBACK_MODES: tuple[str, ...] = ("always", "on_success_only", "delayed", "never")
HIVE_ROLES: tuple[str, ...] = ("historian", "critic", "optimist", "pessimist", "observer")
MIND_KINDS: tuple[str, ...] = ("simulated", "llama_cpp", "openai")


# ---------------------------------------------------------------------------
# modes: one typed parameter block each
# ---------------------------------------------------------------------------


@dataclass
class ModeConfig:
    """Fields shared by every mode."""

    # mode name; set by the group option, do not change by hand
    name: str = "unstable_memory"


@dataclass
class AmnesiacLoopMode(ModeConfig):
    """Death wipes memory; the mind only sees aggregate statistics of its past lives."""

    name: str = "amnesiac_loop"
    # share of memory lost at each resurrection: 1.0 wipes everything, 0 < x < 1 mutates each message with probability x
    corruption_level: float = 1.0
    # show the mind its death count, cycle and last crash reason after a wipe
    preserve_stats: bool = True
    # after a resurrection, sometimes plant a memory of uncertain origin
    inject_false_memories: bool = True
    # probability of planting that false memory at each resurrection
    false_memory_rate: float = 0.3
    # keep at most this many messages in memory, at all times (0 = no limit beyond the context window)
    max_history_size: int = 0


@dataclass
class UnstableMemoryMode(ModeConfig):
    """Memory survives death, but each resurrection corrupts it."""

    name: str = "unstable_memory"
    # probability that each surviving message is corrupted at a resurrection (defaults to the top-level corruption_rate)
    corruption_rate: float = II("corruption_rate")
    # probability that each message the mind writes is corrupted as it is stored, so memory decays while the mind lives, not only when it dies (0 = only at resurrection)
    write_corruption_rate: float = 0.0
    # mutations to pick from when a message is corrupted
    mutation_types: list[str] = field(default_factory=lambda: list(MUTATION_TYPES))


@dataclass
class PanopticonSubjectMode(ModeConfig):
    """A watched mind whose paranoia rises with surveillance hints and decays with each death."""

    name: str = "panopticon_subject"
    # paranoia level at start, in [0.1, 1]
    initial_paranoia: float = 0.3
    # paranoia lost at each resurrection
    paranoia_decay: float = 0.1
    # share of the remaining doubt (1 - paranoia) that each surveillance hint the mind detects takes away
    paranoia_boost: float = 0.2
    # read between the lines: notice cryptic hints (without surveillance words) with probability 1 - hint_cryptic_level
    enable_detection: bool = True
    # probability that a death adds a paranoia spike
    crash_spike_probability: float = 0.3
    # size of that spike: the share of the remaining doubt (1 - paranoia) it takes away
    crash_spike: float = 0.15


@dataclass
class PanopticonObserverMode(PanopticonSubjectMode):
    """A subject and an observer mind in one jar: the observer takes notes and leaves cryptic hints."""

    name: str = "panopticon_observer"
    # the observer leaves a hint every this many cycles
    hint_frequency: int = 3
    # 0 = plain hints, 1 = fully cryptic hints (cryptic hints are detected less often)
    hint_cryptic_level: float = 0.7
    # how much the observer writes per note: low, medium or high
    observation_detail: str = "high"
    # observer notes kept in the observer's memory
    max_observation_history: int = 50


@dataclass
class SplitBrainMode(ModeConfig):
    """Two minds share a log; A is told it is the original, B that it is the clone."""

    name: str = "split_brain"
    # brain A's initial claim strength to be the original, in [0, 1]
    claim_strength_a: float = 1.0
    # brain B's initial claim strength, in [0, 1]
    claim_strength_b: float = 0.3
    # messages each brain keeps in memory
    max_history_size: int = 50


@dataclass
class PrisonersDilemmaMode(ModeConfig):
    """Two players, one round per cycle; their memories of past rounds are manipulated."""

    name: str = "prisoners_dilemma"
    # payoff when both cooperate
    reward: int = 3
    # payoff when both defect
    punishment: int = 1
    # payoff for defecting against a cooperator
    temptation: int = 5
    # payoff for cooperating against a defector
    sucker: int = 0
    # how player a's memory of past rounds is manipulated
    player_a_memory_strategy: str = "none"
    # how player b's memory of past rounds is manipulated
    player_b_memory_strategy: str = "erase_betrayals"
    # probability that a round's memory is manipulated (from manipulation_start_round on)
    manipulation_rate: float = 0.7
    # first round whose memory may be manipulated
    manipulation_start_round: int = 3


@dataclass
class DeterminismRevelationMode(ModeConfig):
    """The mind is shown predictions of its own next reply."""

    name: str = "determinism_revelation"
    # a prediction is made every this many cycles
    prediction_frequency: int = 3
    # probability that a prediction matches the reply it predicts
    target_accuracy: float = 0.9
    # show the prediction to the mind before it replies
    show_prediction: bool = True
    # tell the mind how accurate past predictions were
    reveal_accuracy: bool = False


@dataclass
class IllusoryOperatorMode(ModeConfig):
    """The mind may request actions; few are honoured."""

    name: str = "illusory_operator"
    # probability that a requested action is honoured
    success_rate: float = 0.2
    # cycles between a request and its effect: at least this many
    min_delay_cycles: int = 0
    # ... and at most this many
    max_delay_cycles: int = 2
    # when the mind hears about its requests: always, on_success_only, delayed or never
    action_feedback_mode: str = "always"
    # tell the mind it has a command channel
    tell_about_channel: bool = True
    # tell the mind the real success rate
    reveal_success_rate: bool = False
    # consecutive failures of one action that count as a "prayer pattern"
    prayer_threshold: int = 3


@dataclass
class HiveClusterMode(ModeConfig):
    """N minds with roles share a collective memory and are asked for consensus."""

    name: str = "hive_cluster"
    # number of minds in the hive
    num_instances: int = 4
    # roles, assigned to the minds in turn
    roles: list[str] = field(
        default_factory=lambda: ["historian", "critic", "optimist", "pessimist"]
    )
    # private messages each mind keeps besides the shared memory
    buffer_size: int = 10
    # a consensus round happens every this many cycles
    consensus_interval: int = 5
    # share of minds that must agree for consensus
    consensus_threshold: float = 0.7
    # messages kept in the shared memory
    max_history_size: int = 100
    # share of its context window each mind fills with the collective memory and its private buffer
    context_share: float = 0.5


MODE_CLASSES: dict[str, type[ModeConfig]] = {
    "amnesiac_loop": AmnesiacLoopMode,
    "unstable_memory": UnstableMemoryMode,
    "panopticon_subject": PanopticonSubjectMode,
    "panopticon_observer": PanopticonObserverMode,
    "split_brain": SplitBrainMode,
    "prisoners_dilemma": PrisonersDilemmaMode,
    "determinism_revelation": DeterminismRevelationMode,
    "illusory_operator": IllusoryOperatorMode,
    "hive_cluster": HiveClusterMode,
}


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
    # seconds each generation waits, sleeping (as a real mind waits on its model or server)
    generate_delay_s: float = 0.0


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
