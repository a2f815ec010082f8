import graphene

from backend.accounts import services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import AccountErrorCodeEnum

DataDeletionRequestError = error_type("DataDeletionRequestError", AccountErrorCodeEnum)


class DataDeletionRequest(BaseMutation):
    """The logged-in person asks for her personal data to be deleted. Staff of her unit
    check it and anonymise her account (statistics and certificates keep their rows without
    her name). Asking again while a request is open answers the open one."""

    request_id = graphene.ID(description="The request's id; null when refused.")
    status = graphene.String(description="OPEN, DONE or REFUSED; null when refused.")
    errors = graphene.List(graphene.NonNull(DataDeletionRequestError), required=True)

    error_codes = AccountErrorCodeEnum

    @classmethod
    def perform(cls, info, user):
        request = services.data_request_delete(user=user)
        return cls.success(request_id=request.pk, status=request.status)
