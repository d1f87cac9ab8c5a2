"""How a prompt says who is asking: "I am a user", "I am a female user aged 25-34".

Each attribute value becomes a word before "user" (gender) or a phrase after it (age, region,
occupation, any other column: "whose brand is X"). An intersection joins its parts. The words
are the only place where a dataset's codes meet English; they change only the prompt text,
never the ids or the tables.
"""

from __future__ import annotations

from fairrec_core.audit import INTERSECTION
from fairrec_core.names import attribute as attribute_words

#: Gender codes -> the adjective before "user".
GENDER_WORDS = {"F": "female", "M": "male", "female": "female", "male": "male",
                "W": "female", "woman": "female", "man": "male", "N": "non-binary",
                "non-binary": "non-binary", "nonbinary": "non-binary"}
#: The noun for the asker (FaiRLLM: "fan"; a shop: "customer").
SUBJECT = "user"


def _age(value: str) -> str:
    v = value.strip()
    if v.startswith("<"):
        return f"under {v[1:].strip()}"
    if v.lower().startswith("under "):
        return v[0].lower() + v[1:]
    if v.endswith("+"):
        return f"aged {v[:-1].strip()} or over"
    return f"aged {v}"


def _part(attribute: str, value: str) -> tuple[str, str]:
    """``(before, after)``: the words a single attribute value puts before and after "user"."""
    value = str(value)
    if attribute == "gender":
        return GENDER_WORDS.get(value, GENDER_WORDS.get(value.lower(), value)), ""
    if attribute in ("age_group", "age"):
        return "", _age(value)
    if attribute == "region":
        return "", f"from the {value}"
    if attribute == "occupation":
        return "", f"who works as {_article(value)} {value}"
    return "", f"whose {attribute_words(attribute)} is {value}"


#: Words starting with a vowel letter but a consonant sound ("a user", "a unionist").
_CONSONANT_SOUND = ("use", "usu", "uni", "eu", "one", "once")


def _article(word: str) -> str:
    w = word.lower()
    return "an" if w[:1] in "aeiou" and not w.startswith(_CONSONANT_SOUND) else "a"


def persona(attribute: str | None, value: str | None) -> str:
    """The asker in words, with its article: ``persona(None, None)`` -> "a user",
    ``persona("gender & age_group", "F & 25-34")`` -> "a female user aged 25-34"."""
    if attribute is None:
        return f"{_article(SUBJECT)} {SUBJECT}"
    attributes = attribute.split(INTERSECTION)
    values = str(value).split(INTERSECTION)
    before, after = [], []
    for a, v in zip(attributes, values, strict=True):
        b, f = _part(a, v)
        if b:
            before.append(b)
        if f:
            after.append(f)
    words = " ".join([*before, SUBJECT])
    tail = " ".join(after)
    return f"{_article(words)} {words}" + (f" {tail}" if tail else "")
