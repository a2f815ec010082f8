"""The volunteers' GraphQL enums, each described for the committed schema."""

import graphene

from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description
from volunteers.error_codes import VolunteerErrorCode
from volunteers.models import (
    CommitmentKind,
    CommitmentStatus,
    CredentialStatus,
    HoursStatus,
    OfferStatus,
    ServiceRequestStatus,
    SignUpStatus,
    VolunteerStatus,
)

VolunteerErrorCodeEnum = graphene.Enum.from_enum(
    VolunteerErrorCode, name="VolunteerErrorCode", description=enum_description(
        "Why a volunteer-roster, dispatch, shift or hours mutation refused.", {
            **COMMON_ERROR_CODES,
            "INVALID_WINDOW": "A time window or period is empty, out of order, in the past "
                              "where the future is needed, or too long.",
            "OVERLAPS_COMMITMENT": "The time overlaps another commitment in the volunteer's "
                                   "calendar.",
            "NO_CANDIDATE": "Nobody is eligible; the request was created and ESCALATED.",
            "VOLUNTEER_UNAVAILABLE": "The named volunteer is not eligible then; nothing was "
                                     "created.",
            "OFFER_EXPIRED": "The offer's answer time has passed.",
            "ALREADY_ANSWERED": "The offer was answered before.",
            "SHIFT_FULL": "No place left in the shift.",
            "SIGNUP_CLOSED": "The shift is outside its sign-up window.",
            "ALREADY_SIGNED_UP": "You already hold a place in this shift.",
            "LACKS_SKILL": "The shift needs a skill (and valid credential) you do not hold.",
            "NOT_A_VOLUNTEER": "The logged-in person is not on the volunteer roster.",
            "ALREADY_LOGGED": "Hours were already logged for this commitment.",
            "NOT_COMPLETED": "Hours can be logged only for a commitment that is over.",
            "ALREADY_REVIEWED": "The entry was reviewed before.",
            "ALREADY_VOLUNTEER": "The person is already on the roster.",
            "DAILY_CAP_REACHED": "The volunteer already has the most jobs allowed that day.",
            "NO_APPROVED_HOURS": "No approved hours in the period; nothing to certify.",
            "HOURS_EXCEED_COMMITMENT": "More hours than the commitment lasted plus 30 "
                                       "minutes.",
            "INVALID_STATE": "The job is not in a state that allows this (e.g. completing a "
                             "job nobody accepted, cancelling a finished one).",
            "ALREADY_CANCELLED": "It (the sign-up or the shift) was cancelled before.",
            "CONSENT_REQUIRED": "The person has not consented to the current privacyNotice; "
                                "pass its version as consentVersion.",
        }))
VolunteerStatusEnum = graphene.Enum.from_enum(
    VolunteerStatus, name="VolunteerStatus", description=enum_description(
        "Whether a volunteer takes part.", {
            "ACTIVE": "On duty: matched and dispatched.",
            "PAUSED": "Temporarily off: never matched.",
            "ARCHIVED": "Left the team; kept for the record.",
        }))
CredentialStatusEnum = graphene.Enum.from_enum(
    CredentialStatus, name="CredentialStatus", description=enum_description(
        "Whether a credential holds today (Asia/Shanghai date).", {
            "VALID": "Valid for more than 30 days, or without expiry.",
            "EXPIRING": "Valid, but ends within 30 days.",
            "EXPIRED": "Past its validUntil.",
            "REVOKED": "Revoked by a coordinator.",
        }))
CommitmentKindEnum = graphene.Enum.from_enum(
    CommitmentKind, name="CommitmentKind", description=enum_description(
        "What put a commitment in the volunteer's calendar.", {
            "DISPATCH": "An accepted (or offered) doorstep job.",
            "SHIFT": "A shift signed up for.",
            "TUTORING": "A published tutoring slot.",
            "OTHER": "Anything else a coordinator entered.",
        }))
CommitmentStatusEnum = graphene.Enum.from_enum(
    CommitmentStatus, name="CommitmentStatus", description=enum_description(
        "Where a commitment stands; TENTATIVE and CONFIRMED ones block the time.", {
            "TENTATIVE": "Held while an offer waits for an answer.",
            "CONFIRMED": "Firm.",
            "COMPLETED": "Done.",
            "CANCELLED": "Cancelled; the time is free again.",
        }))
ServiceRequestStatusEnum = graphene.Enum.from_enum(
    ServiceRequestStatus, name="ServiceRequestStatus", description=enum_description(
        "Where a doorstep job stands.", {
            "OFFERED": "Offered to a volunteer, waiting for the answer.",
            "ACCEPTED": "A volunteer accepted it.",
            "ESCALATED": "Nobody (else) is eligible; a coordinator must act.",
            "COMPLETED": "Done.",
            "CANCELLED": "Cancelled.",
            "UNFULFILLED": "Could not be served.",
        }))
OfferStatusEnum = graphene.Enum.from_enum(
    OfferStatus, name="OfferStatus", description=enum_description(
        "Where an offer to one volunteer stands.", {
            "OFFERED": "Waiting for the volunteer's answer until expiresAt.",
            "ACCEPTED": "The volunteer accepted.",
            "DECLINED": "The volunteer declined.",
            "EXPIRED": "Not answered in time; the next candidate was offered.",
            "WITHDRAWN": "Withdrawn before the volunteer answered.",
        }))
SignUpStatusEnum = graphene.Enum.from_enum(
    SignUpStatus, name="ShiftSignUpStatus", description=enum_description(
        "Where a shift sign-up stands.", {
            "SIGNED_UP": "Holds a place.",
            "CANCELLED": "Cancelled; the place is free again.",
        }))
HoursStatusEnum = graphene.Enum.from_enum(
    HoursStatus, name="ServiceHoursStatus", description=enum_description(
        "Where a service-hours entry stands in review.", {
            "PENDING": "Logged, waiting for a coordinator.",
            "APPROVED": "Approved; counts towards totals and certificates.",
            "DECLINED": "Declined; does not count.",
        }))
