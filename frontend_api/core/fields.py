"""Declare who may read a field where the field is defined; the rule itself lives in the
domain's permissions.py. Denials become the contract's top-level error codes."""

import functools
from collections.abc import Callable

from .errors import PermissionDeniedError, UnauthenticatedError


def login_required(resolver: Callable) -> Callable:
    @functools.wraps(resolver)
    def wrapper(root, info, *args, **kwargs):
        if not info.context.user.is_authenticated:
            raise UnauthenticatedError
        return resolver(root, info, *args, **kwargs)

    return wrapper


def permission_required(check: Callable) -> Callable:
    """`check(user)` from a permissions module; anonymous users get UNAUTHENTICATED."""

    def decorator(resolver: Callable) -> Callable:
        @functools.wraps(resolver)
        def wrapper(root, info, *args, **kwargs):
            user = info.context.user
            if not user.is_authenticated:
                raise UnauthenticatedError
            if not check(user):
                raise PermissionDeniedError
            return resolver(root, info, *args, **kwargs)

        return wrapper

    return decorator
