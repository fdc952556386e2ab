"""Request bodies from the clients' arguments: bad input is refused with a clear ``DaisysInputError``.

Both the REST clients and the websocket sessions build their bodies with ``take_generate`` and
``voice_generate``, so what is refused here is never sent by either. Each message names the argument.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from daisys_ext import AsyncClient, AsyncWebsocket, Client, Websocket
from daisys_ext._bodies import checked_takes, take_generate, voice_generate, voice_update
from daisys_ext._errors import DaisysError, DaisysInputError
from daisys_speak_api.models import (
    AffectProsody,
    SignalProsody,
    SimpleProsody,
    TakeGenerate,
    TakeGenerateWithoutVoice,
    VoiceGender,
    Webhook,
)
from daisys_speak_api.types import UNSET

VOICE = "v01hasgezqjcsnc91zdfzpx0apj"


def refused(match: str) -> Any:
    return pytest.raises(DaisysInputError, match=match)


# -- the public methods hand their arguments on by position -----------------------------------------------------------

PUBLIC_METHODS = [
    (cls, name, builder)
    for cls in (Client, AsyncClient, Websocket, AsyncWebsocket)
    for name, builder in (("generate_take", take_generate), ("generate_voice", voice_generate))
]


@pytest.mark.parametrize(("cls", "name", "builder"), PUBLIC_METHODS)
def test_a_builder_takes_the_public_methods_arguments_in_their_order(
    cls: type, name: str, builder: Callable[..., Any]
) -> None:
    """Each method calls its builder with its own arguments by position: the builder's parameters must be some of
    the method's, in the method's order, or an argument would land in another's place."""
    wanted = list(inspect.signature(builder).parameters)
    method = [p for p in inspect.signature(getattr(cls, name)).parameters if p in wanted]
    assert method == wanted


@pytest.mark.parametrize(("cls", "name", "builder"), PUBLIC_METHODS)
def test_the_public_methods_hand_their_arguments_to_the_builder_by_name(
    cls: type, name: str, builder: Callable[..., Any]
) -> None:
    """The call in each method names, in order, the builder's parameters: the method's own arguments, unchanged."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(cls, name))))
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == builder.__name__
    ]
    assert len(calls) == 1 and not calls[0].keywords
    given = [arg.id if isinstance(arg, ast.Name) else ast.dump(arg) for arg in calls[0].args]
    assert given == list(inspect.signature(builder).parameters)


# -- what is accepted ------------------------------------------------------------------------------------------------


def test_a_good_take_is_built_unchanged() -> None:
    prosody = SimpleProsody(pitch=-10, pace=10, expression=0)
    body = take_generate(VOICE, "Hello, Daisys!", prosody=prosody, style=["narrator"], user_data=7)
    assert body.to_dict() == {
        "voice_id": VOICE,
        "text": "Hello, Daisys!",
        "style": ["narrator"],
        "prosody": {"pitch": -10, "pace": 10, "expression": 0},
        "user_data": 7,
    }


def test_prosody_given_as_a_dict_becomes_its_model() -> None:
    body = take_generate(VOICE, "Hi.", prosody={"pitch": 0, "pace": -3, "expression": 4})  # type: ignore[arg-type]
    assert isinstance(body.prosody, SimpleProsody) and body.prosody.pace == -3
    affect = {"pitch": 1, "pace": 2, "valence": 3, "dominance": 4, "arousal": 5}
    assert isinstance(take_generate(VOICE, "Hi.", prosody=affect).prosody, AffectProsody)  # type: ignore[arg-type]


def test_webhooks_given_as_urls_are_sent_as_objects() -> None:
    body = take_generate(VOICE, "Hi.", status_webhook="https://h/status", done_webhook=Webhook(post_url="https://h/d"))
    assert body.to_dict()["status_webhook"] == {"post_url": "https://h/status"}
    assert body.to_dict()["done_webhook"] == {"post_url": "https://h/d"}
    voice = voice_generate("Bob", "shakespeare", "male", done_webhook="https://h/voice")
    assert voice.to_dict()["done_webhook"] == {"post_url": "https://h/voice"}


def test_an_example_take_with_url_webhooks_is_sent_with_objects_and_left_unchanged() -> None:
    example = TakeGenerateWithoutVoice(text="Hallo.", done_webhook="https://h/d")  # type: ignore[arg-type]
    body = voice_generate("Bob", "shakespeare", VoiceGender.MALE, example_take=example)
    assert body.to_dict()["example_take"] == {"text": "Hallo.", "done_webhook": {"post_url": "https://h/d"}}
    assert example.done_webhook == "https://h/d"  # the caller's object is not modified


# -- text ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\t  "])
def test_empty_or_blank_text_is_refused(text: str) -> None:
    with refused(r"^text is (empty|only whitespace): there is nothing to speak\.$"):
        take_generate(VOICE, text)


@pytest.mark.parametrize(("text", "kind"), [(None, "None"), (42, "int"), (b"bytes", "bytes"), (["Hello"], "list")])
def test_text_of_the_wrong_type_is_refused(text: Any, kind: str) -> None:
    with refused(rf"^text must be a string \(the text to speak\), not {kind}\.$"):
        take_generate(VOICE, text)


def test_an_example_take_needs_text_too() -> None:
    with refused(r"^example_take\.text is empty"):
        voice_generate("Bob", "shakespeare", "male", example_take=TakeGenerateWithoutVoice(text=""))


# -- voice_id --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("voice_id", [None, 42, ["v1"]])
def test_voice_id_of_the_wrong_type_is_refused(voice_id: Any) -> None:
    with refused(r"^voice_id must be a string, not "):
        take_generate(voice_id, "Hello.")


def test_an_empty_voice_id_is_refused() -> None:
    with refused(r"^voice_id is empty\.$"):
        take_generate("  ", "Hello.")


# -- prosody ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"), [("pace", 99), ("pace", 11), ("pitch", -11), ("expression", 50), ("pitch", -100)]
)
def test_simple_prosody_outside_minus_ten_to_ten_is_refused(field: str, value: int) -> None:
    levels = {"pitch": 0, "pace": 0, "expression": 0, field: value}
    with refused(rf"^prosody\.{field} is {value}, outside the documented range -10 to 10\.$"):
        take_generate(VOICE, "Too much.", prosody=SimpleProsody(**levels))


@pytest.mark.parametrize("value", [1.5, "3", None, True])
def test_prosody_levels_must_be_integers(value: Any) -> None:
    with refused(r"^prosody\.pace must be an integer from -10 to 10"):
        take_generate(VOICE, "Hi.", prosody=SimpleProsody(pitch=0, pace=value, expression=0))


def test_every_prosody_model_is_checked() -> None:
    with refused(r"^prosody\.arousal is 12"):
        take_generate(VOICE, "Hi.", prosody=AffectProsody(pitch=0, pace=0, valence=0, dominance=0, arousal=12))
    with refused(r"^prosody\.tilt is -20"):
        take_generate(VOICE, "Hi.", prosody=SignalProsody(pitch=0, pace=0, tilt=-20, pitch_range=0))
    with refused(r"^prosody\['pace'\] is 99"):
        take_generate(VOICE, "Hi.", prosody={"pitch": 0, "pace": 99, "expression": 0})  # type: ignore[arg-type]
    with refused(r"^prosody has the keys \['pace'\]; expected exactly one of these sets"):
        take_generate(VOICE, "Hi.", prosody={"pace": 1})  # type: ignore[arg-type]
    with refused(r"^prosody must be a SimpleProsody, AffectProsody or SignalProsody, not int\.$"):
        take_generate(VOICE, "Hi.", prosody=3)  # type: ignore[arg-type]
    from daisys.v1.speak.models import SimpleProsody as SdkProsody  # the official SDK's, not daisys_ext's

    with refused(r"^prosody must be a SimpleProsody, AffectProsody or SignalProsody, not daisys\.v1\.speak\.models\."):
        take_generate(VOICE, "Hi.", prosody=SdkProsody(pitch=0, pace=0, expression=0))  # type: ignore[arg-type]


def test_voice_prosody_is_checked_where_voices_are_made_and_updated() -> None:
    loud = SimpleProsody(pitch=0, pace=0, expression=11)
    with refused(r"^default_prosody\.expression is 11"):
        voice_generate("Bob", "shakespeare", "male", default_prosody=loud)
    with refused(r"^default_prosody\.expression is 11"):
        voice_update(default_prosody=loud)
    with refused(r"^example_take\.prosody\.expression is 11"):
        voice_generate("Bob", "shakespeare", "male", example_take=TakeGenerateWithoutVoice(text="Hi.", prosody=loud))


def test_an_example_take_given_as_a_dict_is_read_and_checked() -> None:
    example = {"text": "Hallo.", "prosody": {"pitch": 0, "pace": 1, "expression": 2}, "status_webhook": "https://h/s"}
    body = voice_generate("Bob", "shakespeare", "male", example_take=example)  # type: ignore[arg-type]
    assert body.to_dict()["example_take"] == {
        "text": "Hallo.",
        "prosody": {"pitch": 0, "pace": 1, "expression": 2},
        "status_webhook": {"post_url": "https://h/s"},
    }
    too_fast = {**example, "prosody": {"pitch": 0, "pace": 12, "expression": 0}}
    with refused(r"^example_take\.prosody\.pace is 12"):
        voice_generate("Bob", "shakespeare", "male", example_take=too_fast)  # type: ignore[arg-type]


# -- ready-made requests (generate_takes) ----------------------------------------------------------------------------


def test_ready_made_takes_are_checked_by_position_and_left_unchanged() -> None:
    good = TakeGenerate(voice_id=VOICE, text="One.", done_webhook="https://h/d")  # type: ignore[arg-type]
    (checked,) = checked_takes([good])
    assert checked.to_dict()["done_webhook"] == {"post_url": "https://h/d"}
    assert good.done_webhook == "https://h/d"
    loud = TakeGenerate(voice_id=VOICE, text="Two.", prosody=SimpleProsody(pitch=0, pace=99, expression=0))
    with refused(r"^request\[1\]\.prosody\.pace is 99, outside the documented range -10 to 10\.$"):
        checked_takes([good, loud])
    with refused(r"^request\[0\]\.text is empty"):
        checked_takes([TakeGenerate(voice_id=VOICE, text="")])
    with refused(r"^request\[0\]\.voice_id must be a string, not None"):
        checked_takes([TakeGenerate(voice_id=None, text="Hi.")])  # type: ignore[arg-type]
    with refused(r"^request\[0\] must be a TakeGenerate, not dict\.$"):
        checked_takes([{"voice_id": VOICE, "text": "Hi."}])  # type: ignore[list-item]
    with refused(r"^request is an empty list"):
        checked_takes([])
    with refused(
        r"^request must be a list of TakeGenerate, not daisys_speak_api\.models\.take_generate\.TakeGenerate\.$"
    ):
        checked_takes(good)  # type: ignore[arg-type]


# -- the other arguments ---------------------------------------------------------------------------------------------


def test_other_arguments_of_the_wrong_kind_are_refused() -> None:
    with refused(r"^style must be a list of style names, such as \['narrator'\], not 'narrator'\.$"):
        take_generate(VOICE, "Hi.", style="narrator")  # type: ignore[arg-type]
    with refused(r"^style must hold style names \(strings\); 3 is a int\.$"):
        take_generate(VOICE, "Hi.", style=["base", 3])  # type: ignore[list-item]
    with refused(r"^override_language must be a string or None, not int\.$"):
        take_generate(VOICE, "Hi.", override_language=1)  # type: ignore[arg-type]
    with refused(r"^status_webhook must be a URL string or a Webhook, not int\.$"):
        take_generate(VOICE, "Hi.", status_webhook=5)  # type: ignore[arg-type]
    with refused(r"^done_webhook is empty"):
        take_generate(VOICE, "Hi.", done_webhook="")
    with refused(r"^user_data must be a string, an integer or a number, not bool\.$"):
        take_generate(VOICE, "Hi.", user_data=True)
    with refused(r"^user_data is 257 characters long; at most 256 are allowed\.$"):
        take_generate(VOICE, "Hi.", user_data="u" * 257)
    with refused(r"^gender 'robot' is not a voice gender; expected one of "):
        voice_generate("Bob", "shakespeare", "robot")
    with refused(r"^gender 'robot' is not a voice gender"):
        voice_update(gender="robot")
    with refused(r"^model must be a string, not None"):
        voice_generate("Bob", None, "male")  # type: ignore[arg-type]
    with refused(r"^name must be a string, not int\.$"):
        voice_generate(7, "shakespeare", "male")  # type: ignore[arg-type]


def test_the_error_is_a_value_error_of_the_daisys_family() -> None:
    with pytest.raises(ValueError) as info:
        take_generate(VOICE, "")
    assert isinstance(info.value, DaisysError) and isinstance(info.value, DaisysInputError)


def test_an_update_without_changes_is_empty() -> None:
    update = voice_update()
    assert update.name is UNSET and update.to_dict() == {}
