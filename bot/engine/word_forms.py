"""Words as the knowledge search and the intent scorer compare them: split, stopwords dropped, stemmed."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Container

__all__ = [
    "FILLER_WORDS",
    "GENERIC_WORDS",
    "STOPWORDS",
    "TEXT_CACHE_SIZE",
    "named_kinds",
    "spelled_out",
    "stem",
    "tokenize",
    "unstretched",
    "words",
]

_WORD = re.compile(r"\w+")
# How many recent texts a per-text cache keeps: a turn's own texts (its message, its sentences and
# clauses, the entries' questions it reads), never a day's traffic.
TEXT_CACHE_SIZE = 256
_REPEATS = re.compile(r"(\w)\1{2,}")  # "slooow" -> "sloow", which the typo correction reads as "slow"
# A letter three times or more: chat spelling stretching a word ("heyyy", "sooo", "gooood").
_STRETCH = re.compile(r"([a-z])\1{2,}", re.IGNORECASE)

# Small on purpose: words like "not", "open" or "free" decide what a question means and must stay.
# Contraction leftovers ("d", "ll", "m", "re", "s", "t", "ve") are here because \w+ splits "I'm".
_FUNCTION_WORDS = frozenset(  # a word list reads better as text than as 80 quoted strings
    """
    a about am an and any are as at be been being but by can could d did do does for from get had has
    have hello hey hi how i if in into is it its just let ll m me my of on or our please re s so t than
    thank thanks that the their them then there these they this those to too us was we were what
    ve when where which while whilst who why will with would you your yours because though although
    till til until he him his himself she her hers herself itself myself yourself ourselves themselves even
    """.split()  # noqa: SIM905
)

# What customers wrap a question in ("hey guys, I was just wondering if u could tell me ...").
# Dropped like stopwords: a word the knowledge base never uses would otherwise count as a part of the
# question that no entry answers, and push a real paraphrase below the bot's threshold.
FILLER_WORDS = frozenset(
    """
    also only over actually already anyone anything anybody ask asking basically currently dear else ever guys
    here kindly know like many maybe much need needed needs ok okay pls plz possible question quick
    quickly really should shall some someone something still sure tell u ur very want wanted wanting questions
    wants wonder wondered wondering ya yeah yes im ive dont doesnt didnt isnt cant don doesn didn
    isn wasn aren haven hasn weren wouldn couldn shouldn might may must one hiya
    whats wats wots hows whens whos thats theres heres youre wat wot hw y r n thx ty lol omg btw tbh idk
    kinda sorta dunno lemme gimme tho cuz coz innit mate bro id rather
    good morning afternoon evening hope hoping well great nice lovely cheers advance regards
    keep keeps kept super totally completely today now recently lately again always constantly since ago
    suddenly literally properly exactly absolutely honestly seriously asap everything mins min secs
    tonight tonite yesterday atm rn nah thing things thingy thingies thingie stuff
    terrible awful horrible bad rubbish useless annoying frustrating ridiculous poor crap furious livid fuming
    angry upset gutted fed
    dad mum mom son daughter wife husband sister brother friend kids mother father partner
    """.split()  # noqa: SIM905
)

# Verbs and adjectives that fit any topic ("do you sell shoes", "what's the best way to ..."): they
# count for less, both when they match an entry and when they match nothing.
GENERIC_WORDS = frozenset(
    """
    sell buy use using take give find make work come go see look happen happens put way
    going goes getting gets giving gives taking takes making makes coming comes looking putting
    best right lot lots loads bit okay fine done offer provide came got gotten time times mean means meaning
    meant option options
    """.split()  # noqa: SIM905
)

STOPWORDS = _FUNCTION_WORDS | FILLER_WORDS

# A UK postcode ("BT7 3AA", "bw4 2qt"), or its first half in capitals ("NG7"): no entry names the
# customer's own postcode, but entries about coverage or outages name what it stands for, an area.
_POSTCODE = re.compile(r"\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b|\b[A-Z]{1,2}\d[A-Z\d]?\b(?!\s*\d)")


_STREET_KIND = (
    r"(?:street|st|road|rd|lane|ln|avenue|ave|row|close|drive|dr|way|court|crescent|place|terrace"
    r"|gardens|grove|square|mews|walk|parade)"
)
# A street address: a house number, then the street's name in capitals ("14 Elm Row", "3a Mill Lane"), or
# in any case after "at" ("at 14 elm row").
_STREET_ADDRESS = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?\s+(?:[A-Z][a-z'-]+\s+){{1,3}}(?i:{_STREET_KIND})\b"
    rf"|(?i:(?<=\bat\s)\d{{1,4}}[a-z]?,?\s+(?:[a-z'-]+\s+){{1,3}}{_STREET_KIND})\b"
)


def named_kinds(text: str) -> str:
    """``text`` with a value no entry can name replaced by the word for its kind ("NG7" -> "area",
    "14 Elm Row" -> "address")."""
    return _STREET_ADDRESS.sub(" address ", _POSTCODE.sub(" area ", text))


# Contractions, typed with their apostrophe (which \w+ splits: "where's" -> "where", "s") or without
# ("wheres"), and chat shorthand, as their full words: "wheres the shop", "where's the shop" and "where
# is the shop" then read alike, in a question and in the curated phrases. A negation becomes what its
# apostrophe's form gives ("dont" -> "don", "t": stopwords both, where "not" is a word that decides what
# a question means). Ambiguous forms ("its", "ill", "id", "wont", "cant", "lets") and a possessive "'s"
# ("my sister's") stay as typed.
_UNSHORTENED = {
    "whats": "what is",
    "wheres": "where is",
    "whens": "when is",
    "hows": "how is",
    "whos": "who is",
    "thats": "that is",
    "theres": "there is",
    "heres": "here is",
    "youre": "you are",
    "theyre": "they are",
    "im": "i am",
    "ive": "i have",
    "dont": "don t",
    "doesnt": "doesn t",
    "didnt": "didn t",
    "isnt": "isn t",
    "arent": "aren t",
    "wasnt": "wasn t",
    "havent": "haven t",
    "hasnt": "hasn t",
    "wanna": "want to",
    "u": "you",
    "ur": "your",
    "r": "are",
    "wat": "what",
    "wot": "what",
    "hw": "how",
    "yall": "you all",
    "hrs": "hours",
}
# The word before an apostrophe's ending -> what the two words say.
_APOSTROPHE_ENDINGS = {
    "s": frozenset({"what", "where", "when", "how", "who", "that", "there", "here", "it"}),
    "re": frozenset({"you", "they", "we"}),
    "m": frozenset({"i"}),
    "ve": frozenset({"i", "you", "we", "they"}),
}
_FULL = {"s": "is", "re": "are", "m": "am", "ve": "have"}


# The words whose "up" belongs to them and says nothing of the question: "fed up", "something came up".
_UP_IS_NO_PARTICLE = frozenset({"fed", "came", "come", "comes", "coming"})
# A number with its unit typed on ("5kg", "500mb", "2pm"): the unit is a word of its own.
_NUMBER_AND_UNIT = re.compile(r"(\d+)([a-z]{1,4})")
_NUMBER_ENDINGS = frozenset({"st", "nd", "rd", "th", "ish", "s"})


def spelled_out(raw: list[str]) -> list[str]:
    """``raw`` words (from ``words``) with contractions and chat shorthand as their full words
    ("wheres" and "where", "s" -> "where", "is"; "dont" -> "don", "t" as "don't" gives; "u" -> "you"),
    and a unit typed onto its number apart from it ("5kg" -> "5", "kg"); the "up" of "fed up" and "came
    up" goes."""
    found: list[str] = []
    for word in raw:
        previous = found[-1] if found else ""
        if word in _APOSTROPHE_ENDINGS and previous in _APOSTROPHE_ENDINGS[word]:
            found.append(_FULL[word])
        elif word == "up" and previous in _UP_IS_NO_PARTICLE:
            # "fed up" is one filler, as "fed" is, and "something came up" says nothing of what is asked:
            # their "up" is no "set up" nor "gone up".
            continue
        elif word[0].isdigit() and (unit := _NUMBER_AND_UNIT.fullmatch(word)) is not None:
            number, ending = unit.groups()
            # "60th", "10ish" and "1990s" are numbers; "5kg" and "2pm" a number and a unit.
            found.extend((number,) if ending in _NUMBER_ENDINGS else (number, ending))
        else:
            found.extend(_UNSHORTENED.get(word, word).split())
    return found


def words(text: str) -> list[str]:
    """Case-folded unicode words of ``text``, in order, stopwords kept ("E-mail" -> ["e", "mail"]).

    Accents are folded ("café" -> "cafe") because customers type them or not, and a letter typed three
    or more times in a row counts twice ("sooo" -> "soo").
    """
    return list(_words_of(text))


# A turn splits its message into words a dozen times (the scorer, the search, the steering rules): the
# last few messages' words are kept.
@functools.lru_cache(maxsize=TEXT_CACHE_SIZE)
def _words_of(text: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    if not folded.isascii():
        folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return tuple(_WORD.findall(_REPEATS.sub(r"\1\1", folded)))


# Words whose final "e" makes them another word than the one without it:
# "plane" is not "plan", "tape" not "tap" (paying by phone), "done" not "don".
_FINAL_E_KEPT = frozenset({"plane", "tape", "done"})
# Three-letter words that end in "s" and are no plural.
_THREE_LETTER_S = frozenset(
    {"bus", "gas", "yes", "has", "was", "his", "its", "ass", "ous", "abs", "ups", "sis"}
)


@functools.lru_cache(maxsize=65_536)
def stem(word: str) -> str:
    """Fold the common English suffixes so that "hours" ~ "hour" and "opening" ~ "opened" ~ "open".

    Deliberately small and only ever compared with its own output, so it needs to be consistent,
    not linguistically right: "closing", "closes" and "close" all become "clos". After the
    inflections a few derivational endings go too: "delivery" ~ "deliver", "payment" ~ "pay",
    "monthly" ~ "month".
    """
    if len(word) == 3 and word.endswith("s") and word.isalpha() and word not in _THREE_LETTER_S:
        # An abbreviation's plural ("ips", "pcs", "tvs") is its abbreviation.
        return word[:-1]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "ches", "shes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    elif word.endswith("ing") and _has_vowel(word[:-3]) and len(word) >= 6:
        word = _undouble(word[:-3])
    elif word.endswith("ed") and not word.endswith("eed") and _has_vowel(word[:-2]) and len(word) >= 5:
        word = _undouble(word[:-2])
    elif word.endswith("eed") and len(word) >= 8:  # "guaranteed" ~ "guarantee" (not "need", "speed")
        word = word[:-1]
    if word in _FINAL_E_KEPT:
        return word
    word = _derivational(word)
    if len(word) > 3 and word.endswith("e") and not word.endswith("ee"):
        word = word[:-1]
    return word


def _derivational(word: str) -> str:
    if word.endswith("ery") and len(word) >= 7:  # delivery, brewery (not "very", "query")
        return word[:-1]
    if word.endswith("ment") and len(word) >= 7 and _has_vowel(word[:-4]):  # payment, shipment
        return word[:-4]
    if word.endswith("ly") and len(word) >= 6 and not word.endswith(("ply", "ily", "lly")):  # monthly
        return word[:-2]
    return word


def _has_vowel(stem_part: str) -> bool:
    return any(ch in "aeiouy" for ch in stem_part)


def _undouble(stem_part: str) -> str:
    # "shipping" -> "shipp" -> "ship", but "billing" keeps "bill" and "missed" keeps "miss".
    if len(stem_part) >= 3 and stem_part[-1] == stem_part[-2] and stem_part[-1] not in "lsz":
        return stem_part[:-1]
    return stem_part


def tokenize(text: str) -> list[str]:
    """Lowercase unicode words, stopwords dropped, suffixes folded; non-English words pass through."""
    return [stem(word) for word in words(text) if word not in STOPWORDS]


def unstretched(word: str, known: Container[str]) -> str:
    """A word stretched in chat spelling as the word ``known`` holds: its stretched letters kept double
    where that is known ("gooood" -> "good"), single otherwise ("sooo" -> "so", "heyyy" -> "hey"). A
    run of one key ("zzzz") is no word, and stays as typed."""
    if _STRETCH.search(word) is None or len(set(word.lower())) < 2:
        return word
    double = _STRETCH.sub(r"\1\1", word)
    return double if double.lower() in known else _STRETCH.sub(r"\1", word)
