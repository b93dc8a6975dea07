"""What an agent's query may hold of a customer's, masked before it is stored.

Agents paste what they have into search boxes: an e-mail address, a phone number, an order,
card or account number. None of it helps an editor read the report, and the store is kept for
weeks, so it is masked when recorded, never after:

- e-mail addresses → ``<email>``;
- phone numbers (an optional ``+``, then 7 or more digits with spaces, dots, dashes or
  brackets between them) → ``<phone>``;
- IBANs, and any other run of 5 or more digits (order, card, account and contract numbers)
  → ``<number>``.

Shorter numbers and dates stay: "14 dienas", "3 giorni", "24/7", "第1条" and "30.11.2026" are
what agents search for.
"""

import re
import unicodedata

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Digits (any script's, as \d matches) with the separators people type inside numbers.
_PHONE = re.compile(r"(?<![\w+(])[+(]?\d(?:[\s().\-/]{0,2}\d){6,}(?!\w)")
_LONG_NUMBER = re.compile(r"\d{5,}")
# An IBAN (country, check digits, then letters and digits, maybe in groups of four);
# queries are case folded before this runs.
_IBAN = re.compile(r"\b[a-z]{2}\d{2}(?:\s?[a-z0-9]{4}){2,7}(?:\s?[a-z0-9]{1,3})?\b")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4}")
_SPACES = re.compile(r"\s+")
# What every masked form needs: an @ (e-mail) or a digit (all the others).
_MAY_HOLD_DETAILS = re.compile(r"[@\d]")


def normalise_query(query: str) -> str:
    """The query as reports group it: NFC, case folded, runs of spaces as one, trimmed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", query)).strip().casefold()


def mask_query(query: str) -> str:
    """``query`` normalised, with e-mail addresses, phone numbers and long digit runs masked."""
    text = normalise_query(query)
    if not _MAY_HOLD_DETAILS.search(text):  # most queries: words alone
        return text
    text = _EMAIL.sub("<email>", text)
    text = _IBAN.sub("<number>", text)
    text = _PHONE.sub(_phone_or_number, text)
    return _LONG_NUMBER.sub("<number>", text)


def _phone_or_number(match: re.Match[str]) -> str:
    text = match.group()
    if _DATE.fullmatch(text):  # 2026-11-30, 30.11.2026: what agents search for, kept
        return text
    digits = sum(ch.isdigit() for ch in text)
    if digits > 15:  # longer than any phone number (E.164): a card or account number
        return "<number>"
    # 7-15 digits with separators, a + or a bracket: a phone number; one unbroken run is left
    # to the long-number rule (an order number reads better as <number>).
    return "<phone>" if digits != len(text) else text
