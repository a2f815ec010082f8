import graphene
from django.conf import settings
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from backend.accounts import permissions, services
from backend.accounts.error_codes import AccountErrorCode
from backend.accounts.models import Community, Role, RoleAssignment, Street, User
from backend.core import audit
from backend.core.links import absolute_url
from backend.core.masking import mask_phone
from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description, field_descriptions
from frontend_api.core.selection import optimize_for_info


def calendar_url(token: str) -> str:
    return absolute_url("calendar-feed", token=token)


RoleEnum = graphene.Enum.from_enum(Role, name="Role", description=enum_description(
    "A role a person holds over a unit (see RoleAssignment).", {
        "DISTRICT_ADMIN": "Administers the whole district; coordinator of every unit.",
        "STREET_COORDINATOR": "Coordinates one street and all its communities.",
        "COMMUNITY_STAFF": "Works at the desk of one community: registers residents and acts "
                           "for them.",
        "INSTRUCTOR": "Teaches course runs: check-in codes and attendance.",
        "VOLUNTEER": "Is on the 365 volunteer roster.",
        "RESIDENT": "A resident who takes courses and books tutoring.",
    }))
AccountErrorCodeEnum = graphene.Enum.from_enum(
    AccountErrorCode, name="AccountErrorCode", description=enum_description(
        "Why an account mutation (tokenCreate, residentCreate, calendarTokenRegenerate) "
        "refused.", {
            **COMMON_ERROR_CODES,
            "INVALID_CREDENTIALS": "The username and password do not match an active account.",
            "USERNAME_TAKEN": "Another account already has this username.",
            "CONSENT_REQUIRED": "consentVersion is not the current privacyNotice version.",
            "OUTSIDE_YOUR_UNIT": "The community is not one you are staff or coordinator of.",
            "INVALID_PHONE": "Not an 11-digit mainland mobile number.",
            "WEAK_PASSWORD": "The password fails Django's password validators (the message "
                             "says which).",
            "RATE_LIMITED": "Too many failed sign-ins from this address (or for this "
                            "username from it); try again later (API.md \"Sign-in limits\").",
            "ALREADY_HANDLED": "The data request was already completed or refused.",
        }))


@field_descriptions(name="The community's name, e.g. 金口路社区.",
                    street="The street the community belongs to.")
class CommunityType(DjangoObjectType):
    """A community (社区), the smallest unit; public."""

    class Meta:
        model = Community
        name = "Community"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "street")


@field_descriptions(name="The street's name, e.g. 八大关街道.")
class StreetType(DjangoObjectType):
    """A street (街道), a unit of the district that groups communities; public."""

    communities = graphene.List(graphene.NonNull(CommunityType), required=True,
                                description="The street's communities, in the district's "
                                            "usual order.")

    class Meta:
        model = Street
        name = "Street"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "communities")

    @staticmethod
    def resolve_communities(street, info):
        # Prefetched by accounts.selectors.street_list.
        return street.communities.all()


@field_descriptions(
    username="The login name. Visible to whoever can see this user.",
    community="The community the person is registered in; null for district-wide accounts.")
class UserType(DjangoObjectType):
    """A person with a Linli account. Personal data (phone, calendar) is masked or hidden
    unless the viewer is the person or a coordinator of their unit."""

    display_name = graphene.String(required=True,
                                   description="The name to show; the username if none is set.")
    roles = graphene.List(graphene.NonNull(RoleEnum), required=True,
                          description="The roles the person holds anywhere, each once, sorted.")
    role_assignments = graphene.List(
        graphene.NonNull(lambda: RoleAssignmentType), required=True,
        description="Each role with the unit it is held over (null street and community: "
                    "district-wide).")
    calendar_url = graphene.String(description="The secret iCalendar feed; only for the user "
                                               "themself, null for anyone else.")
    phone = graphene.String(description="Masked (138****1234) unless the viewer is the person "
                                        "or a coordinator of their unit.")
    address = graphene.String(description="The registered address (personal data): only for "
                                          "the person and those who may act for her (staff "
                                          "of her community, coordinators of her unit, "
                                          "admins); null for anyone else or when none is set.")

    # What the permission checks behind these fields read, loaded with the list (see
    # frontend_api/core/selection.py) instead of per person.
    selection_prefetches = {"roles": ("role_assignments",),
                            "phone": ("community", "role_assignments"),
                            "address": ("community", "role_assignments")}

    class Meta:
        model = User
        name = "User"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "username", "display_name", "community")

    @staticmethod
    def resolve_display_name(user, info):
        return user.display_name or user.username

    @staticmethod
    def resolve_roles(user, info):
        return sorted({a.role for a in permissions.role_assignments(user)})

    @staticmethod
    def resolve_calendar_url(user, info):
        if info.context.user.pk != user.pk:
            return None
        return calendar_url(services.calendar_token_ensure(user=user))

    @staticmethod
    def resolve_role_assignments(user, info):
        # Only the user themself sees which units they hold roles over.
        if info.context.user.pk != user.pk:
            return []
        # The viewer's assignments are loaded once; their selected units are prefetched.
        return optimize_for_info(permissions.role_assignments(user), info)

    @staticmethod
    def resolve_phone(user, info):
        if not user.phone:
            return None
        if permissions.can_view_personal_data(info.context.user, user):
            audit.personal_data_read(actor=info.context.user, subject=user, what="phone",
                                     why="graphql:User.phone")
            return user.phone
        return mask_phone(user.phone)

    @staticmethod
    def resolve_address(user, info):
        if not user.address or not permissions.can_act_for(info.context.user, user):
            return None
        return user.address


class PrivacyNoticeType(graphene.ObjectType):
    """The privacy notice a person consents to before registering; public."""

    version = graphene.String(required=True,
                              description=("Pass this as the consentVersion of residentCreate, "
                                           "tutoringBook, shiftSignUp or helpRequestCreate."))
    text = graphene.String(required=True, description="The notice as shown, in Chinese.")

    class Meta:
        name = "PrivacyNotice"

    @staticmethod
    def current():
        return PrivacyNoticeType(
            version=settings.PRIVACY_NOTICE_VERSION,
            text=_(
                "邻里平台仅为办理培训报名、辅导预约和志愿服务收集您的姓名、手机号和所属社区。"
                "手机号只向您本人和所属单位的协调员完整显示，对其他人一律隐藏中间四位，"
                "不写入日志。您可以随时联系社区工作人员查询、更正或注销您的信息。"
            ),
        )


@field_descriptions(
    street="The street the role is held over, or null.",
    community="The community the role is held over, or null.")
class RoleAssignmentType(DjangoObjectType):
    """One role held over one unit. Both street and community null: district-wide."""

    role = RoleEnum(required=True, description="The role held.")

    class Meta:
        model = RoleAssignment
        name = "RoleAssignment"
        fields = ("role", "street", "community")
