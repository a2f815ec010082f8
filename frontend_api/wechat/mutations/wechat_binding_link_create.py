import graphene

from backend.accounts import selectors as account_selectors
from backend.core.links import absolute_url
from backend.wechat import services
from backend.wechat.error_codes import BindingLinkErrorCode
from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description
from frontend_api.core.errors import error_type
from frontend_api.core.ids import decode_id_or_none
from frontend_api.core.mutations import BaseMutation

BindingLinkErrorCodeEnum = graphene.Enum.from_enum(
    BindingLinkErrorCode, name="WeChatBindingLinkErrorCode", description=enum_description(
        "Why wechatBindingLinkCreate refused.", {
            **{k: v for k, v in COMMON_ERROR_CODES.items() if k != "IDEMPOTENCY_KEY_REUSED"},
            "OUTSIDE_YOUR_UNIT": "You work a desk, but not one of this person's community or "
                                 "unit (also answered for an unknown userId, so a refusal "
                                 "reveals nothing about her).",
        }))
WeChatBindingLinkCreateError = error_type("WeChatBindingLinkCreateError",
                                          BindingLinkErrorCodeEnum)


class WeChatBindingLinkCreate(BaseMutation):
    """A single-use binding QR link for a person: whoever opens it in WeChat (through the
    account's OAuth) is bound to her; it lasts 7 days. For the person herself, staff of her
    community, coordinators of her unit and admins; others get PERMISSION_DENIED."""

    class Arguments:
        user_id = graphene.ID(required=True, description="The person to bind (a User id).")
        account_slug = graphene.String(description="The official account whose followers "
                                                   "bind (its slug); the district's account "
                                                   "(weishinan) when omitted.")

    url = graphene.String(description="The /bind/<token> page to show as a QR code; single "
                                      "use. Null when refused.")
    expires_at = graphene.DateTime(description="When the link stops working (7 days).")
    errors = graphene.List(graphene.NonNull(WeChatBindingLinkCreateError), required=True)

    error_codes = BindingLinkErrorCodeEnum

    class Meta:
        name = "WeChatBindingLinkCreatePayload"

    @classmethod
    def perform(cls, info, user, *, user_id, account_slug=None):
        pk = decode_id_or_none(user_id, "User")
        person = account_selectors.user_with_unit(pk) if pk and pk > 0 else None
        link, token = services.binding_link_create(actor=user, user=person,
                                                   account_slug=account_slug)
        return cls.success(url=absolute_url("page-bind", token=token),
                           expires_at=link.expires_at)
