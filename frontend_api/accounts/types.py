import graphene
from django.conf import settings
from django.utils.translation import gettext as _
from graphene_django import DjangoObjectType

from backend.accounts import permissions, services
from backend.accounts.error_codes import AccountErrorCode
from backend.accounts.models import Community, Role, RoleAssignment, Street, User
from backend.core.links import absolute_url
from backend.core.masking import mask_phone


def calendar_url(token: str) -> str:
    return absolute_url("calendar-feed", token=token)


RoleEnum = graphene.Enum.from_enum(Role, name="Role")
AccountErrorCodeEnum = graphene.Enum.from_enum(AccountErrorCode, name="AccountErrorCode")


class CommunityType(DjangoObjectType):
    class Meta:
        model = Community
        name = "Community"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "street")


class StreetType(DjangoObjectType):
    communities = graphene.List(graphene.NonNull(CommunityType), required=True)

    class Meta:
        model = Street
        name = "Street"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "name", "communities")

    @staticmethod
    def resolve_communities(street, info):
        # Prefetched by accounts.selectors.street_list.
        return street.communities.all()


class UserType(DjangoObjectType):
    display_name = graphene.String(required=True)
    roles = graphene.List(graphene.NonNull(RoleEnum), required=True)
    role_assignments = graphene.List(
        graphene.NonNull(lambda: RoleAssignmentType), required=True,
        description="Each role with the unit it is held over (null street and community: "
                    "district-wide).")
    calendar_url = graphene.String(description="The secret iCalendar feed; only for the user "
                                               "themself, null for anyone else.")
    phone = graphene.String(description="Masked (138****1234) unless the viewer is the person "
                                        "or a coordinator of their unit.")

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
        return permissions.role_assignments(user)

    @staticmethod
    def resolve_phone(user, info):
        if not user.phone:
            return None
        if permissions.can_view_personal_data(info.context.user, user):
            return user.phone
        return mask_phone(user.phone)


class PrivacyNoticeType(graphene.ObjectType):
    version = graphene.String(required=True)
    text = graphene.String(required=True)

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


class RoleAssignmentType(DjangoObjectType):
    role = RoleEnum(required=True)

    class Meta:
        model = RoleAssignment
        name = "RoleAssignment"
        fields = ("role", "street", "community")
