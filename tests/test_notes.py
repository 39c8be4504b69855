"""Notes carry their Chinese for --lang zh; everything that reads them as text gets the English."""

from __future__ import annotations

import json

from powercrm.notes import Note, localized


def test_a_note_is_its_english_text_and_shows_its_chinese_under_zh():
    note = Note("U05: billing has no kvarh column; not checked", "U05：电费账单没有无功电量（kvarh）列，未检查")
    assert note == "U05: billing has no kvarh column; not checked"
    assert json.dumps([note]) == json.dumps(["U05: billing has no kvarh column; not checked"])
    assert localized(note, "en") == note
    assert localized(note, "zh") == "U05：电费账单没有无功电量（kvarh）列，未检查"


def test_a_plain_string_is_a_note_in_english_only():
    assert localized("a note", "zh") == "a note"
