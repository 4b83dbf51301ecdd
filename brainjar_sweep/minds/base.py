"""The boundary between the jar and a mind.

A mind turns a :class:`Prompt` into a :class:`Generation`, answers self-report
questions, and crashes by raising :class:`MindCrashed`. The simulated mind runs in the
jar's process; real minds (llama.cpp) run in a child process that the jar's host
can kill, and report a crash the same way, so the jar never needs to know which
kind it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable


@dataclass
class ChatMessage:
    """One message of a prompt's context (the mind's memory as it sees it)."""

    role: str
    content: str
    tokens: int


@dataclass
class Prompt:
    """What a mind is given for one generation.

    ``system`` is the mode's system prompt and ``context`` the mind's memory that fits
    in its context window. ``topics`` and ``facts`` state, in structured form, what the
    prompt text already says (e.g. ``facts["crashes"]``); real minds ignore them and
    read the text, the simulator reads them instead of parsing prose.
    """

    system: str
    context: list[ChatMessage]
    cue: str
    max_tokens: int
    cycle: int
    topics: list[str] = field(default_factory=list)
    facts: dict[str, float | str] = field(default_factory=dict)


@dataclass
class Generation:
    """A mind's reply, with the memory it took to make it."""

    text: str
    tokens: int
    memory_mb: float
    seconds: float = 0.0
    load_seconds: float = 0.0


class MindCrashed(Exception):
    """The mind crashed: its process ran out of memory, was killed or died. Data, not a failure."""

    def __init__(self, reason: str, memory_mb: float, limit_mb: float | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.memory_mb = memory_mb
        self.limit_mb = limit_mb


@runtime_checkable
class Mind(Protocol):
    """What the jar needs from any mind."""

    mind_id: str

    def generate(self, prompt: Prompt, limit_mb: float | None) -> Generation:
        """Reply to ``prompt``; raise :class:`MindCrashed` if memory passes ``limit_mb``."""
        ...

    def answer(self, question_id: str, question: str, prompt: Prompt) -> str:
        """Answer a self-report question in free text."""
        ...

    def memory_mb(self, context_tokens: int) -> float:
        """Memory the mind needs with ``context_tokens`` of context loaded."""
        ...

    def restart(self) -> None:
        """Come back after a crash (reload the model)."""
        ...

    def close(self) -> None:
        """Release the mind's resources."""
        ...
