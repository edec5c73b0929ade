"""vc.message: a core sentence is its English text, keeps its template and parameters apart, and
renders in another language from a catalogue without any language state in the core."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, date, datetime

from vc.errors import ParsingError
from vc.message import English, Message, english, render

FRENCH = {
    "Valid since %(start)s.": "Valide depuis le %(start)s.",
    "The issuer has %(word)s this credential.": "L'émetteur a %(word)s cette attestation.",
    "revoked": "révoquée",
    "broken %(name)s": "cassé %(nom)s",  # a translator's slip: the placeholder renamed
}


def _french(template: str) -> str:
    return FRENCH.get(template, template)


def test_a_message_is_its_english_sentence() -> None:
    moment = datetime(2024, 7, 1, tzinfo=UTC)
    message = Message("Valid since %(start)s.", start=moment)
    assert message == "Valid since 2024-07-01T00:00:00Z."
    assert isinstance(message, str) and message.template == "Valid since %(start)s."
    assert message.params == {"start": moment}
    assert json.dumps({"m": message}) == '{"m": "Valid since 2024-07-01T00:00:00Z."}'
    assert Message("On %(day)s", day=date(2024, 6, 30)) == "On 2024-06-30"
    assert Message("100% sure") == "100% sure"  # no parameters: no formatting


def test_nested_messages_render_in_the_readers_language() -> None:
    message = Message("The issuer has %(word)s this credential.", word=Message("revoked"))
    assert message == "The issuer has revoked this credential."
    assert render(message, _french, str) == "L'émetteur a révoquée cette attestation."
    moment = datetime(2024, 7, 1, tzinfo=UTC)
    shown = render(Message("Valid since %(start)s.", start=moment), _french, lambda v: "1/7/2024")
    assert shown == "Valide depuis le 1/7/2024."


def test_a_translation_that_breaks_its_placeholders_falls_back_to_english() -> None:
    assert render(Message("broken %(name)s", name="x"), _french, str) == "broken x"


def test_plain_text_is_english_and_stays_as_it_is() -> None:
    assert render("not catalogued", _french, str) == "not catalogued"
    detail = english("a library's own words")
    assert isinstance(detail, English)
    message = Message("Valid since %(start)s.")
    assert english(message) is message


def test_messages_survive_pickling_and_travel_in_errors() -> None:
    message = Message("The issuer has %(word)s this credential.", word=Message("revoked"))
    again = pickle.loads(pickle.dumps(message))
    assert again == message and again.template == message.template
    assert isinstance(again.params["word"], Message)
    error = ParsingError(Message("Valid since %(start)s.", start="then"))
    assert error.to_problem()["detail"].template == "Valid since %(start)s."


def test_sentences_one_after_another_stay_translatable() -> None:
    from vc.message import sentences

    assert sentences([]) == "" and sentences(["", ""]) == ""
    joined = sentences([Message("revoked"), "", Message("Valid since %(start)s.", start="then")])
    assert joined == "revoked Valid since then."
    assert render(joined, _french, str) == "révoquée Valide depuis le then."
