from enum import StrEnum


class WeChatErrorCode(StrEnum):
    """Codes of the WeChat integration, shared by the OAuth pages and the template-message
    sender."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # OAuth binding
    OAUTH_FAILED = "OAUTH_FAILED"
    # Binding links
    LINK_SPENT = "LINK_SPENT"
    LINK_EXPIRED = "LINK_EXPIRED"
    OPENID_TAKEN = "OPENID_TAKEN"
    OUTSIDE_YOUR_UNIT = "OUTSIDE_YOUR_UNIT"
    # Outbound template messages
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_FETCH_FAILED = "TOKEN_FETCH_FAILED"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    NOT_SUBSCRIBED = "NOT_SUBSCRIBED"
    OPENID_INVALID = "OPENID_INVALID"
    TEMPLATE_DATA_INVALID = "TEMPLATE_DATA_INVALID"
    # WeChat refused the account itself (40164 IP not whitelisted, 40125 wrong AppSecret,
    # 48001 API not authorised): an operator must act, retrying cannot help.
    ACCOUNT_UNAVAILABLE = "ACCOUNT_UNAVAILABLE"
    NETWORK = "NETWORK"
    WECHAT_ERROR = "WECHAT_ERROR"


class BindingLinkErrorCode(StrEnum):
    """What `wechatBindingLinkCreate` may answer."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    OUTSIDE_YOUR_UNIT = "OUTSIDE_YOUR_UNIT"


class BroadcastErrorCode(StrEnum):
    """What `broadcastCreate`, `broadcastSend` and `broadcastCancel` may answer."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    OUTSIDE_YOUR_UNIT = "OUTSIDE_YOUR_UNIT"
    QUOTA_EXCEEDED = "QUOTA_EXCEEDED"
    NO_ACCOUNT = "NO_ACCOUNT"
    NO_RECIPIENTS = "NO_RECIPIENTS"
    INVALID_STATE = "INVALID_STATE"
