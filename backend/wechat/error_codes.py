from enum import StrEnum


class WeChatErrorCode(StrEnum):
    """Codes of the WeChat integration, shared by the callback, the OAuth pages and the
    template-message sender."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    # Inbound callback
    SIGNATURE_INVALID = "SIGNATURE_INVALID"
    TIMESTAMP_STALE = "TIMESTAMP_STALE"
    NONCE_REPLAYED = "NONCE_REPLAYED"
    MESSAGE_MALFORMED = "MESSAGE_MALFORMED"
    # OAuth binding
    OAUTH_STATE_INVALID = "OAUTH_STATE_INVALID"
    OAUTH_FAILED = "OAUTH_FAILED"
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
