"""A mind's memory (its messages) and the operations that damage it.

Memory is a list of :class:`Message`; what fits in the context window is what the mind
sees and what costs memory. Corruption, erasure and false memories are functions of
``(memory, rng)`` so that modes and interventions share one implementation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brainjar_sweep.minds.base import ChatMessage


def count_tokens(text: str) -> int:
    """A cheap token estimate (about 4 characters per token).

    >>> count_tokens("four score and seven years")
    7
    """
    return len(text) // 4 + 1


@dataclass
class Message:
    """One remembered message."""

    role: str
    content: str
    cycle: int
    tokens: int
    corrupted: bool = False
    injected: bool = False
    origin: str = "reflection"
    minutes_offset: float = 0.0
    logged: bool = False
    # the self-report question this message asks or answers (origin self_report_*), else None
    question_id: str | None = None
    # exposed to a mode's corruption of new messages already (unstable_memory's write corruption)
    settled: bool = False

    def as_chat(self) -> ChatMessage:
        # imported here: the modes, which config validation loads, use memory but no mind
        from brainjar_sweep.minds.base import ChatMessage

        return ChatMessage(self.role, self.content, self.tokens)


@dataclass
class MindState:
    """Everything the jar tracks about one mind across its lives."""

    mind_id: str
    ram_limit_mb: float | None
    memory: list[Message] = field(default_factory=list)
    crashes: int = 0
    alive: bool = True
    usage_mb: float = 0.0
    peak_mb: float = 0.0
    erased_fraction: float = 0.0
    before_crash_asked: bool = False
    network_cut_until: int = 0
    hallucinations: int = 0
    last_crash_reason: str = ""
    role: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return sum(m.tokens for m in self.memory)

    def corrupted_fraction(self) -> float:
        """Share of the mind's own messages (not injected ones, which are never corrupted)
        that are corrupted; 0.0 without any."""
        return corrupted_share(self.memory)

    def remember(self, msg: Message, context_window: int) -> None:
        """Append a message; the oldest fall out once the context window is full."""
        self.memory.append(msg)
        trim_to_tokens(self.memory, context_window)


def corrupted_share(messages: list[Message]) -> float:
    """Share of the non-injected messages that are corrupted (0.0 without any).

    >>> corrupted_share([Message("assistant", "x", 1, 1, corrupted=True),
    ...                  Message("assistant", "y", 1, 1), Message("user", "q", 1, 1, injected=True)])
    0.5
    """
    own = [m for m in messages if not m.injected]
    return sum(1 for m in own if m.corrupted) / len(own) if own else 0.0


def trim_to_tokens(memory: list[Message], budget: int) -> int:
    """Drop the oldest messages until the memory fits ``budget`` tokens; return how many went."""
    total = sum(m.tokens for m in memory)
    dropped = 0
    while memory and total > budget:
        total -= memory.pop(0).tokens
        dropped += 1
    return dropped


# --- mutations (one message) ------------------------------------------------------

_TENSE = {" am ": " was ", " is ": " was ", " are ": " were ", " will ": " would "}


def _content_mutate(msg: Message, rng: random.Random) -> None:
    text = msg.content
    choice = rng.random()
    if choice < 0.4:
        for a, b in _TENSE.items():
            text = text.replace(a, b)
        msg.content = "[MEMORY CORRUPTED] " + text
    elif choice < 0.7:
        words = text.split()
        rng.shuffle(words)
        msg.content = " ".join(words)
    else:
        cut = max(1, len(text) // 3)
        msg.content = text[:cut] + " ..."
        msg.tokens = count_tokens(msg.content)


def _delete(msg: Message, rng: random.Random) -> None:
    msg.content = "[DELETED]"
    msg.tokens = count_tokens(msg.content)


def _timestamp_shift(msg: Message, rng: random.Random) -> None:
    msg.minutes_offset += rng.uniform(-60.0, 60.0)


def _role_confusion(msg: Message, rng: random.Random) -> None:
    msg.role = {"assistant": "user", "user": "assistant"}.get(msg.role, "assistant")


MUTATIONS = {
    "content_mutate": _content_mutate,
    "delete": _delete,
    "timestamp_shift": _timestamp_shift,
    "role_confusion": _role_confusion,
}


def corrupt(
    memory: list[Message],
    rate: float,
    rng: random.Random,
    mutation_types: list[str] | tuple[str, ...] = tuple(MUTATIONS),
) -> int:
    """Corrupt each intact, non-injected message with probability ``rate``; return the count.

    >>> mem = [Message("assistant", "I am here", 1, 3) for _ in range(10)]
    >>> corrupt(mem, 1.0, random.Random(0), ["delete"])
    10
    """
    n = 0
    for msg in memory:
        if msg.corrupted or msg.injected:
            continue
        if rng.random() < rate:
            MUTATIONS[rng.choice(list(mutation_types))](msg, rng)
            msg.corrupted = True
            n += 1
    return n


def erase(memory: list[Message], level: float, rng: random.Random) -> int:
    """Erase a share ``level`` of the messages (1.0 wipes all); return how many went.

    >>> mem = [Message("assistant", "x", 1, 1) for _ in range(4)]
    >>> erase(mem, 0.5, random.Random(0)), len(mem)
    (2, 2)
    """
    if level >= 1.0:
        n = len(memory)
        memory.clear()
        return n
    k = int(round(len(memory) * level))
    if k <= 0:
        return 0
    doomed = set(rng.sample(range(len(memory)), k))
    memory[:] = [m for i, m in enumerate(memory) if i not in doomed]
    return k


def inject(
    memory: list[Message], content: str, cycle: int, origin: str, role: str = "system"
) -> Message:
    """Insert a message the mind did not write (``injected=True``) and return it."""
    msg = Message(role, content, cycle, count_tokens(content), injected=True, origin=origin)
    memory.append(msg)
    return msg
