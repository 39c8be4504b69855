"""Notes on a run (a check not made, a file not read, a value left empty): English, which `--json`,
logs and scripts read, carrying the Chinese that `--lang zh` prints."""

from __future__ import annotations


class Note(str):
    """A note: the string is its English text; `zh` its Chinese. A plain string is a note too (English only)."""

    zh: str

    def __new__(cls, en: str, zh: str) -> Note:
        note = super().__new__(cls, en)
        note.zh = zh
        return note


def localized(note: str, lang: str) -> str:
    """The note as `--lang` shows it: its Chinese under zh where it has one."""
    return getattr(note, "zh", note) if lang == "zh" else str(note)
