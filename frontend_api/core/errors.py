"""Top-level GraphQL errors with the codes the API contract names."""

import graphene
from django.utils.translation import gettext as _
from graphql import GraphQLError


class UnauthenticatedError(GraphQLError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("请先登录。"), extensions={"code": "UNAUTHENTICATED"})


class PermissionDeniedError(GraphQLError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("您没有权限执行此操作。"),
                         extensions={"code": "PERMISSION_DENIED"})


class Error(graphene.Interface):
    """What every mutation error has; each mutation's own type adds a typed `code`."""

    field = graphene.String(description="The input field at fault (camelCase), or null.")
    message = graphene.String(required=True, description="Human-readable, in Chinese.")


def error_type(name: str, code_enum: type[graphene.Enum]) -> type[graphene.ObjectType]:
    """One error type per mutation, e.g. `CourseEnrollError { field message code }`."""
    mutation = name.removesuffix("Error")
    mutation = mutation[:1].lower() + mutation[1:]
    description = (f"A business rule that refused `{mutation}`: the input field at fault, a "
                   "message for people and a code for programs.")
    return type(
        name,
        (graphene.ObjectType,),
        {
            "Meta": type("Meta", (), {"interfaces": (Error,), "description": description}),
            "code": graphene.Field(code_enum, required=True,
                                   description="Which rule refused; stable, for programs."),
        },
    )
