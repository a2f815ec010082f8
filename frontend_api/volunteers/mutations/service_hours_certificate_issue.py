import graphene
from django.core.exceptions import PermissionDenied

from frontend_api.certificates.types import CertificateType
from frontend_api.core.errors import error_type
from frontend_api.core.mutations import BaseMutation
from volunteers import permissions, selectors, services

from ..types import VolunteerErrorCodeEnum
from ._common import load

ServiceHoursCertificateIssueError = error_type("ServiceHoursCertificateIssueError",
                                               VolunteerErrorCodeEnum)


class ServiceHoursCertificateIssue(BaseMutation):
    """Issue a volunteer's 志愿服务证明 for a period (local dates, inclusive) from their
    APPROVED hours. Coordinators of the volunteer's unit and admins. Asking again for the
    same volunteer and period returns the same certificate."""

    class Arguments:
        volunteer_id = graphene.ID(required=True, description="The volunteer.")
        period_start = graphene.Date(required=True, description="First day counted; not in the "
                                                                "future.")
        period_end = graphene.Date(required=True, description="Last day counted; at most five "
                                                              "years after periodStart.")

    certificate = graphene.Field(CertificateType, description="The certificate (PDF rendered "
                                                              "in the background); null when "
                                                              "refused.")
    errors = graphene.List(graphene.NonNull(ServiceHoursCertificateIssueError), required=True)

    error_codes = VolunteerErrorCodeEnum

    @classmethod
    def perform(cls, info, user, *, volunteer_id, period_start, period_end):
        # Non-coordinators are refused before the lookup: they learn nothing about ids.
        if not permissions.can_issue_service_hours_certificates_somewhere(user):
            raise PermissionDenied
        volunteer = load(selectors.volunteer_lookup, volunteer_id, "Volunteer",
                         field="volunteer_id")
        certificate = services.service_hours_certificate_issue(
            actor=user, volunteer=volunteer, period_start=period_start, period_end=period_end)
        return cls.success(certificate=certificate)
