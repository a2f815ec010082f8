import graphene

from courses import selectors, services
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation

from ..types import CourseErrorCodeEnum
from ._common import load

SessionCheckInCodeError = error_type("SessionCheckInCodeError", CourseErrorCodeEnum)


class SessionCheckInCode(BaseMutation):
    """The current check-in token for a session (instructor of the run, coordinators); show
    `checkInUrl` as a QR code and fetch a new one before `expiresAt`."""

    class Arguments:
        session_id = graphene.ID(required=True, description="The session.")

    token = graphene.String(description="The current token; it rotates every 30 seconds.")
    expires_at = graphene.DateTime(description="When the token stops being accepted.")
    check_in_url = graphene.String(description="Absolute URL to show as the QR code.")
    errors = graphene.List(graphene.NonNull(SessionCheckInCodeError), required=True)

    error_codes = CourseErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, session_id):
        session = load(session_id, "ClassSession", selectors.session_get, field="session_id")
        code = services.session_checkin_code(actor=user, session=session)
        return cls.success(token=code.token, expires_at=code.expires_at,
                           check_in_url=code.check_in_url)
