"""Personal identifiers: normalising, keyed hashing for exact lookup, and masking.

The stored value is encrypted (django-fernet-encrypted-fields); beside it sits an
HMAC-SHA256 of the normalised value keyed with settings.PII_HASH_KEY. Lookups and
duplicate checks compare hashes, so a known passport number never appears in a
database dump and cannot be found there by hashing it without the key.
"""

import hashlib
import hmac
import re

from django.conf import settings

_STRIP = re.compile(r"[\s\-./]")


def normalise_identifier(value: str | None) -> str:
    return _STRIP.sub("", (value or "")).upper()


def normalise_phone(value: str | None) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("855"):
        digits = "0" + digits[3:]
    return digits


def pii_hash(value: str | None, *, kind: str) -> str:
    """Hex HMAC of a normalised identifier; '' for an empty one. ``kind`` separates
    namespaces, so a passport number and an ID number that happen to match differ."""
    norm = normalise_phone(value) if kind == "phone" else normalise_identifier(value)
    if not norm:
        return ""
    key = settings.PII_HASH_KEY.encode()
    return hmac.new(key, f"{kind}:{norm}".encode(), hashlib.sha256).hexdigest()


def mask(value: str | None, visible: int = 3) -> str:
    if not value:
        return ""
    return "•" * max(len(value) - visible, 3) + value[-visible:]
