"""Free text encrypted at rest: narratives, notes, next-of-kin details.

Thin subclasses of django-fernet-encrypted-fields' fields, so every encrypted column in
the portal (identity numbers included) is read and written with the same keys
(derived from ``SECRET_KEY`` and ``SALT_KEY``) and rotated by the same mechanism
(``SALT_KEY`` as a list, ``SECRET_KEY_FALLBACKS``). Two differences from the library:

* An empty value is stored as the empty string, not NULL and not a ciphertext: an empty
  note reveals nothing, the column keeps its NOT NULL, and "has a note" stays a cheap
  ``exclude(notes="")``.
* A lookup that cannot work on ciphertext is refused loudly. Each write encrypts with a
  fresh random IV, so ``narrative__icontains="passport"`` or ``narrative="..."`` would
  silently match nothing; they raise ``FieldError`` instead. Only ``isnull`` and an
  exact match against the empty string are allowed.
"""

from django.core.exceptions import FieldError
from django.db.models.lookups import Exact, In, IsNull
from encrypted_fields import fields as encrypted


class _EmptyOnlyExact(Exact):
    """``field=""``: the one equality a ciphertext column can answer."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: it cannot be searched or "
                "compared, only tested for being empty."
            )
        return super().get_prep_lookup()


class _EmptyOnlyIn(In):
    def get_prep_lookup(self):
        if any(v not in ("", None) for v in self.rhs):
            raise FieldError(f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: it cannot be searched.")
        return super().get_prep_lookup()


_ALLOWED_LOOKUPS = {"exact": _EmptyOnlyExact, "in": _EmptyOnlyIn, "isnull": IsNull}


class _EncryptedFreeText:
    def get_prep_value(self, value):
        if value == "":
            return ""
        return super().get_prep_value(value)

    def get_lookup(self, lookup_name):
        return _ALLOWED_LOOKUPS.get(lookup_name)

    def get_transform(self, name):
        return None


class EncryptedTextField(_EncryptedFreeText, encrypted.EncryptedTextField):
    """A ``TextField`` whose non-empty values are Fernet ciphertext in the database."""


class EncryptedCharField(_EncryptedFreeText, encrypted.EncryptedCharField):
    """A ``CharField`` (``max_length`` checked on the clear text) stored as Fernet ciphertext in a text column."""
