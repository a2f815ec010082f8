"""Model fields for personal data at rest (backend/core/crypto.py holds the keys).

Written here on `cryptography`'s MultiFernet rather than taken from a package: API.md
"Production" pins the key format (raw Fernet keys, newest first, plus a separate hash key),
and the maintained Fernet field packages derive their keys from SECRET_KEY and a salt
(django-fernet-encrypted-fields) or have no keyed lookup hash; the whole mechanism is the
two small classes below over a library that is maintained and already a dependency.

- `EncryptedTextField`: the value is a Fernet token in a text column; reads decrypt. It
  cannot be filtered (the token is randomised), except `field=""` and `isnull`: look a
  value up through its `KeyedHashField`. `max_length` limits the clear text.
- `KeyedHashField(source=..., purpose=...)`: HMAC-SHA256 of the source field's normalised
  value, recomputed on every save (name it in `update_fields` next to its source).
"""

from django.core import validators
from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from . import crypto


class _EmptyOnlyExact(Exact):
    """`field=""` works (a blank value is stored blank); any other value cannot match a
    randomised token, so a query for it is a bug: refuse it loudly."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(f"{self.lhs.target.name} is encrypted: look it up through its "
                             "keyed hash (backend.core.crypto), not by value.")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (Fernet)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.max_length is not None:
            self.validators.append(validators.MaxLengthValidator(self.max_length))

    def formfield(self, **kwargs):
        # A short value (a phone, a secret) keeps a one-line input, as its CharField had.
        if self.max_length is not None and self.max_length <= 255:
            return models.Field.formfield(self, **{"max_length": self.max_length, **kwargs})
        return super().formfield(**kwargs)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(f"{self.name} is encrypted and cannot be filtered with "
                         f"'{lookup_name}'; look it up through its keyed hash.")

    def get_transform(self, lookup_name):
        return None


NORMALISERS = {"phone": crypto.normalise_phone, "code": crypto.normalise_code}


class KeyedHashField(models.CharField):
    description = "Keyed hash of another field, for exact lookup"

    def __init__(self, *args, source: str, purpose: str, **kwargs):
        if purpose not in NORMALISERS:
            raise ValueError(f"purpose must be one of {sorted(NORMALISERS)}")
        self.source, self.purpose = source, purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("db_index", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["purpose"] = self.source, self.purpose
        for key, default in (("max_length", 64), ("blank", True), ("editable", False),
                             ("db_index", True)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def hash_of(self, value: str) -> str:
        return crypto.keyed_hash(NORMALISERS[self.purpose](value), purpose=self.purpose)

    def pre_save(self, model_instance, add):
        value = self.hash_of(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value
