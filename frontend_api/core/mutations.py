"""The small base mutation: login, permissions, and ValidationError -> typed `errors`."""

import logging

import graphene
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from graphene.utils.str_converters import to_camel_case

from .errors import PermissionDeniedError, UnauthenticatedError

logger = logging.getLogger(__name__)


class UnknownErrorCode(RuntimeError):
    """A service raised a code the mutation's error enum does not list."""


def validation_error_to_list(exc: ValidationError, codes: type[graphene.Enum]) -> list[dict]:
    """The payload's `errors`. A code outside `codes` is a bug in the mutation's enum: it
    raises under `LINLI_STRICT_ERROR_CODES` (development, tests) and otherwise is logged
    and answered as INVALID, so a client still gets a typed error."""
    members = codes._meta.enum.__members__
    fallback = "INVALID" if "INVALID" in members else next(iter(members))
    errors = []
    items = exc.error_dict.items() if hasattr(exc, "error_dict") else [(None, exc.error_list)]
    for field, error_list in items:
        for error in error_list:
            code = error.code
            if code not in members:
                logger.error("Error code %r is not in %s (field %r)", code, codes.__name__,
                             field)
                if getattr(settings, "LINLI_STRICT_ERROR_CODES", False):
                    raise UnknownErrorCode(
                        f"{codes.__name__} lacks the error code {code!r} (field {field!r})")
                code = fallback
            message = error.message % error.params if error.params else error.message
            errors.append({
                "field": None if field in (None, NON_FIELD_ERRORS) else to_camel_case(field),
                "message": str(message),
                "code": members[code],
            })
    return errors


class BaseMutation(graphene.Mutation):
    """Subclasses set `error_codes` (a graphene Enum) and implement `perform`.

    `login_required` is checked first; `perform` raises PermissionDenied for "not
    allowed" (a top-level PERMISSION_DENIED error) and ValidationError for business
    rules (the payload's `errors` list, nothing changed).
    """

    class Meta:
        abstract = True

    login_required = True
    error_codes: type[graphene.Enum]

    @classmethod
    def __init_subclass_with_meta__(cls, **options):
        super().__init_subclass_with_meta__(**options)
        # The errors list is this class's contract, so it is described here once.
        errors = cls._meta.fields.get("errors")
        if errors is not None and not errors.description:
            errors.description = ("Why the request was refused; empty when it succeeded. "
                                  "Unless the mutation says otherwise, nothing was changed.")

    @classmethod
    def mutate(cls, root, info, **data):
        user = info.context.user
        if cls.login_required and not user.is_authenticated:
            raise UnauthenticatedError
        try:
            return cls.perform(info, user, **data)
        except PermissionDenied as exc:
            raise PermissionDeniedError(str(exc) or None) from None
        except ValidationError as exc:
            return cls(errors=validation_error_to_list(exc, cls.error_codes),
                       **cls._empty_required_lists())

    @classmethod
    def _empty_required_lists(cls) -> dict:
        """A refused payload answers [] for its other non-null lists (e.g. the slots a
        publish created): null there would null the whole payload (an internal error)."""
        return {name: [] for name, field in cls._meta.fields.items()
                if name != "errors" and isinstance(field.type, graphene.NonNull)
                and isinstance(field.type.of_type, graphene.List)}

    @classmethod
    def perform(cls, info, user, **data):
        raise NotImplementedError

    @classmethod
    def success(cls, **fields):
        return cls(errors=[], **fields)
