"""What a person typed into a search box, split by how SQLite's FTS5 can find it.

FTS5's `unicode61` tokenizer cuts text at spaces and punctuation. Scripts written without spaces
between words — Chinese, Japanese (kanji, hiragana, katakana), Thai, Lao, Khmer, Myanmar — come
out as one token per run of characters ("私は日本語を勉強しています" is a single token), so a word
inside such a run ("日本") is never found. Korean puts spaces between phrases, not words, with
particles attached ("한국어를"), so the same holds. Words in these scripts are searched as
substrings instead (SQL LIKE), the others through the FTS5 index; `split_terms` sorts them.
"""

from __future__ import annotations

import re

# Unicode blocks of scripts written without spaces between words (or, Hangul, with particles
# attached): Thai, Lao, Myanmar, Khmer, Hiragana, Katakana (and its extensions, half-width
# forms), CJK ideographs (unified, extension A, compatibility, extensions B–H), Hangul.
UNSEGMENTED_CHARS = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003347f"
)
UNSEGMENTED = re.compile(f"[{UNSEGMENTED_CHARS}]")
# A term: letters, digits and, for the scripts above, their combining vowel marks (Thai "ั" is
# not a \w character, but it is part of the word).
_TERM = re.compile(f"[\\w{UNSEGMENTED_CHARS}]+")
MAX_TERMS = 32


def split_terms(text: str) -> tuple[list[str], list[str]]:
    """(words for the FTS5 index, substrings to search with LIKE) from what a person typed:
    each term with a character of an unsegmented script goes to the second list.
    At most MAX_TERMS terms in all; punctuation and FTS5 syntax are dropped."""
    words, substrings = [], []
    for term in _TERM.findall(text)[:MAX_TERMS]:
        (substrings if UNSEGMENTED.search(term) else words).append(term)
    return words, substrings
