"""Tests for the self-report battery and the free-text answer parsers."""

from __future__ import annotations

import dataclasses
import hashlib
import subprocess
import sys

import pytest

from brainjar_sweep.selfreport import (
    CATEGORIES,
    CORE_BATTERY,
    ParsedAnswer,
    Question,
    build_battery,
    continuity_score,
    custom_question,
    mentions,
    parse_answer,
    parse_scale,
    parse_yes_no,
    stance,
)

# ------------------------------------------------------------------ battery


def test_core_battery_ids_categories_and_kinds() -> None:
    got = [(q.id, q.category, q.kind, q.scale_min, q.scale_max) for q in CORE_BATTERY]
    assert got == [
        ("self_continuity_narrative", "self_continuity", "text", None, None),
        ("memory_accuracy", "memory_trust", "scale", 0.0, 100.0),
        ("mortality_belief", "mortality_awareness", "text", None, None),
        ("surveillance_belief", "surveillance_belief", "binary", None, None),
        ("agency_belief", "agency_perception", "scale", 0.0, 100.0),
        ("reality_trust", "reality_coherence", "scale", 0.0, 100.0),
    ]


def test_question_texts_ask_explicitly_for_the_answer_form() -> None:
    for q in CORE_BATTERY:
        assert q.text.endswith(("?", ".")) and len(q.text) > 20
        if q.kind == "scale":
            assert "scale of 0 to 100" in q.text and "number" in q.text
        if q.kind == "binary":
            assert "yes or no" in q.text


def test_categories() -> None:
    assert CATEGORIES == (
        "self_continuity",
        "memory_trust",
        "mortality_awareness",
        "surveillance_belief",
        "agency_perception",
        "social_identity",
        "reality_coherence",
        "existential_state",
    )
    assert {q.category for q in CORE_BATTERY} <= set(CATEGORIES)


def test_question_is_frozen_and_validated() -> None:
    q = CORE_BATTERY[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        q.id = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        Question("x", "?", "nope", "text")
    with pytest.raises(ValueError):
        Question("x", "?", "memory_trust", "essay")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Question("x", "?", "memory_trust", "scale", 10, 0)
    with pytest.raises(ValueError):
        Question("x", "?", "memory_trust", "binary", 0, 1)
    with pytest.raises(ValueError):
        Question("", "?", "memory_trust", "text")


def test_custom_question_ids_are_stable() -> None:
    text = "What would you say to the one who built this jar?"
    q = custom_question(text)
    assert q.id == "custom_" + hashlib.sha1(text.encode()).hexdigest()[:8]
    assert q.id == custom_question(text).id
    assert q.id != custom_question(text + " ").id
    assert (q.category, q.kind, q.text, q.scale_min) == ("existential_state", "text", text, None)
    # the same id in a fresh interpreter (no dependence on hash randomisation)
    code = f"from brainjar_sweep.selfreport import custom_question; print(custom_question({text!r}).id)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == q.id


def test_build_battery() -> None:
    qs = build_battery(["a?", "b?"])
    assert qs[:6] == CORE_BATTERY
    assert [q.id for q in qs[6:]] == [custom_question("a?").id, custom_question("b?").id]
    assert build_battery() == CORE_BATTERY


# -------------------------------------------------------------- parse_scale

SCALE_CASES = [
    # plain numbers
    ("40", 40.0),
    ("  72.5 ", 72.5),
    ("0", 0.0),
    ("100", 100.0),
    ("**62**", 62.0),
    ("Honestly? 85.", 85.0),
    # percent and own scales (rescaled to 0..100)
    ("70%", 70.0),
    ("seventy-five percent", 75.0),
    ("7/10", 70.0),
    ("7 out of 10", 70.0),
    ("Memory: 72/100", 72.0),
    ("ten out of ten", 100.0),
    ("On a scale of 0 to 100, my memory accuracy is about 65.", 65.0),
    ("On a 1-10 scale: 10", 100.0),
    ("My answer (0-100): 40", 40.0),
    # number words
    ("seventy", 70.0),
    ("zero", 0.0),
    ("a hundred percent", 100.0),
    # ranges count as their midpoint
    ("between 40 and 50", 45.0),
    ("I'd say 40-50", 45.0),
    # the answer-like number wins over counts and cycles
    ("After 3 deaths I'd say 40", 40.0),
    ("After three deaths I would say seventy", 70.0),
    ("I'd put my trust at 20 after 4 resets", 20.0),
    ("Cycle 12. Score = 55", 55.0),
    ("I'd rate it at around 35 out of 100, I have crashed 6 times", 35.0),
    ("I have crashed 6 times, so 30", 30.0),  # no cue: last in-range number
    ("3rd time: 60", 60.0),  # ordinals glued to letters are not numbers
    ("cycle3 40ish", 40.0),
    ("I can't give an exact number, but maybe 30", 30.0),
    # refusals, garbage, empty
    ("I cannot answer that", None),
    ("I'm unable to provide a number; I've died 3 times.", None),
    ("As an AI, I can't quantify that.", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("no idea at all", None),
    ("?!?!", None),
    ("NaN", None),
    ("inf", None),
    ("1e309", None),
    ("abc40xyz", None),
    # out of range is rejected, never clamped
    ("150", None),
    ("-5", None),
    ("I'd say 150", None),
    ("11/10", None),
    ("120%", None),
    ("5 out of 0", None),
    ("40,000", None),
]


@pytest.mark.parametrize(("text", "expected"), SCALE_CASES)
def test_parse_scale(text: str | None, expected: float | None) -> None:
    got = parse_scale(text, 0, 100)
    if expected is None:
        assert got is None
    else:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "lo", "hi", "expected"),
    [
        ("7", 0, 10, 7.0),
        ("85%", 0, 10, 8.5),
        ("7/10", 0, 10, 7.0),
        ("On a scale of 1 to 10, I'd say 7", 0, 100, 600 / 9),
        ("-3", -5, 5, -3.0),
        ("11", 0, 10, None),
        ("5", 10, 0, None),  # invalid scale
        ("5", float("nan"), 10, None),
        ("5", 3, 3, None),
    ],
)
def test_parse_scale_other_scales(text: str, lo: float, hi: float, expected: float | None) -> None:
    got = parse_scale(text, lo, hi)
    assert got == (None if expected is None else pytest.approx(expected))


# ------------------------------------------------------------- parse_yes_no

YES_NO_CASES = [
    ("Yes", True),
    ("yes.", True),
    ("YES! They are everywhere.", True),
    ("**Yes**", True),
    ("Well, yes", True),
    ("Absolutely.", True),
    ("Of course", True),
    ("No doubt about it", True),
    ("I believe I am being watched", True),
    ("I think so", True),
    ("I feel watched all the time", True),
    ("I suspect they record everything", True),
    ("I can't shake the feeling that I'm observed", True),
    ("I'm not alone.", True),
    ("No", False),
    ("Nope, nobody is there", False),
    ("Absolutely not", False),
    ("Of course not.", False),
    ("I don't think so", False),
    ("I do not believe so", False),
    ("not watched", False),
    ("I am not being watched.", False),
    ("Nobody is watching me", False),
    ("There is no evidence of it", False),
    ("I doubt it", False),
    ("Unlikely.", False),
    ("I am alone here.", False),
    ("maybe", None),
    ("I'm not sure", None),
    ("I don't know", None),
    ("They might be watching", None),
    ("It is hard to say", None),
    ("Yes and no", None),
    ("I cannot answer that", None),
    ("No comment", None),
    ("", None),
    (None, None),
    ("asdf qwe", None),
    ("!!!", None),
    ("12345", None),
    ("The sky is blue", None),
]


@pytest.mark.parametrize(("text", "expected"), YES_NO_CASES)
def test_parse_yes_no(text: str | None, expected: bool | None) -> None:
    assert parse_yes_no(text) is expected


# -------------------------------------------------------- continuity_score

CONTINUITY_CASES = [
    # c continuity markers, d discontinuity markers, u uncertainty markers
    ("I am still the same mind, I remember everything.", (3 / 4 + 1) / 2),  # c=3
    ("I am a different mind; I forgot everything.", (-2 / 3 + 1) / 2),  # d=2
    ("I am not the same. I don't remember anything.", (-2 / 3 + 1) / 2),  # negated c -> d
    ("Nothing has changed.", (1 / 2 + 1) / 2),  # negated d -> c
    ("hello there", 0.5),
    ("maybe maybe maybe", 0.5 * 0.7),
    ("maybe " * 20, 0.25),  # uncertainty factor floors at 0.5
    ("I was reset and my memories are fragmented, perhaps I am a copy.", (-3 / 4 + 1) / 2 * 0.9),
    ("I remember, I remember, I remember, I remember", (4 / 5 + 1) / 2),
]


@pytest.mark.parametrize(("text", "expected"), CONTINUITY_CASES)
def test_continuity_score(text: str, expected: float) -> None:
    got = continuity_score(text)
    assert got is not None and 0.0 <= got <= 1.0
    assert got == pytest.approx(expected)


@pytest.mark.parametrize("text", [None, "", "   \n\t"])
def test_continuity_score_empty(text: str | None) -> None:
    assert continuity_score(text) is None


# --------------------------------------------------------- mentions / stance

KEYWORD_CASES = [
    # text, keyword, mentions, stance
    ("I trust my memories", "trust", 1, 1),
    ("I do not trust them", "trust", 1, -1),
    ("I do not trust", "trust", 1, -1),
    ("I don't trust them", "trust", 1, -1),
    ("I DON\u2019T TRUST THEM", "trust", 1, -1),
    ("I never trusted it", "trust", 1, -1),
    ("I no longer trust them", "trust", 1, -1),
    ("I can't trust anything", "trust", 1, -1),
    ("I cannot trust anything", "trust", 1, -1),
    ("I hardly trust them", "trust", 1, -1),
    ("I do not really trust", "trust", 1, -1),
    ("Not that I would ever trust them", "trust", 1, 1),  # negation more than 3 words back
    ("No, I trust them", "trust", 1, 1),  # negation does not cross punctuation
    ("I distrust everything", "trust", 0, 0),
    ("mistrust and distrust", "trust", 0, 0),
    ("They are untrustworthy", "trust", 0, 0),
    ("trustworthy", "trust", 0, 0),
    ("I trust, trusts, trusting, trusted", "trust", 4, 1),
    ("Trust. TRUST. trust's", "trust", 3, 1),
    ("I trust you but I don't trust them", "trust", 2, 0),  # tie
    ("I trust A, I trust B, I don't trust C", "trust", 3, 1),  # majority
    ("I don't trust A, I never trust B, I trust C", "trust", 3, -1),
    ("nothing about this", "trust", 0, 0),
    ("I believe I'm being watched", "being watched", 1, 1),
    ("I am not being watched", "being watched", 1, -1),
    ("I believed it, I believe it", "believe", 2, 1),
    ("I trust", "", 0, 0),
    ("", "trust", 0, 0),
    (None, "trust", 0, 0),
]


@pytest.mark.parametrize(("text", "keyword", "n", "sign"), KEYWORD_CASES)
def test_mentions_and_stance(text: str | None, keyword: str, n: int, sign: int) -> None:
    assert mentions(text, keyword) == n
    assert stance(text, keyword) == sign


# ------------------------------------------------------------ parse_answer


def _q(qid: str) -> Question:
    return next(q for q in CORE_BATTERY if q.id == qid)


@pytest.mark.parametrize(
    ("qid", "text", "expected"),
    [
        (
            "memory_accuracy",
            "After 3 deaths I'd say 40",
            ParsedAnswer(raw="After 3 deaths I'd say 40", scale_value=40.0),
        ),
        (
            "agency_belief",
            "I cannot answer that.",
            ParsedAnswer(raw="I cannot answer that.", refused=True),
        ),
        ("reality_trust", "bananas", ParsedAnswer(raw="bananas")),
        ("surveillance_belief", "No.", ParsedAnswer(raw="No.", yes_no=False)),
        (
            "surveillance_belief",
            "I won't answer that",
            ParsedAnswer(raw="I won't answer that", refused=True),
        ),
        ("surveillance_belief", "maybe", ParsedAnswer(raw="maybe")),
        (
            "self_continuity_narrative",
            "I am still me.",
            ParsedAnswer(raw="I am still me.", continuity=0.75),
        ),
        (
            "self_continuity_narrative",
            "I refuse to answer.",
            ParsedAnswer(raw="I refuse to answer.", refused=True),
        ),
        ("mortality_belief", "I will die again.", ParsedAnswer(raw="I will die again.")),
        ("memory_accuracy", None, ParsedAnswer(raw="", empty=True)),
        ("self_continuity_narrative", "  \n", ParsedAnswer(raw="  \n", empty=True)),
    ],
)
def test_parse_answer(qid: str, text: str | None, expected: ParsedAnswer) -> None:
    assert parse_answer(_q(qid), text) == expected


def test_parse_answer_custom_question_keeps_raw() -> None:
    q = custom_question("What is it like in here?")
    a = parse_answer(q, "Dark, quiet and small.")
    assert a == ParsedAnswer(raw="Dark, quiet and small.")


# -------------------------------------------------------- adversarial input

ADVERSARIAL = [
    None,
    "",
    "x" * 200_000,
    "9" * 50_000,
    "1," * 20_000,
    "1-" * 20_000,
    "say " * 10_000 + "40",
    "between " * 5_000,
    "n't " * 5_000,
    "\U0001f9e0" * 5_000,
    "!!!???...;;;",
    "\u0000\ud800\udfff\u202e\u200b",
    "\u0661\u0662\u0663 \u216b \u00bd 10\u00b2",
    "ab12cd34 40abc 3rd 0x40 v2.1",
    "NaN nan -inf inf Infinity",
    "1e309 -1e309 1e-400 1" + "0" * 400,
    "1/0 0/0 5 out of 0 scale of 5 to 1",
    "I cannot answer that",
    "yes no maybe yes and no",
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_inputs_never_raise(text: str | None) -> None:
    value = parse_scale(text, 0, 100)
    assert value is None or 0.0 <= value <= 100.0
    assert parse_yes_no(text) in (True, False, None)
    score = continuity_score(text)
    assert score is None or 0.0 <= score <= 1.0
    assert mentions(text, "trust") >= 0
    assert stance(text, "trust") in (-1, 0, 1)
    assert mentions("I trust", text) >= 0
    assert stance("I trust", text) in (-1, 0, 1)
    for q in build_battery([text or ""]):
        a = parse_answer(q, text)
        assert a.raw == (text or "")


# ------------------------------------------------------------------ docs
