"""Every write of the WeChat integration, by topic. This module is the contract the
rest of Linli calls (`from backend.wechat import services`)."""

from .accounts import (
    ACCOUNT_CSV_COLUMNS,
    STOP_REASONS,
    account_sending_pause,
    account_sending_resume,
    account_sending_stop,
    account_upsert,
    accounts_export_csv,
    accounts_import_csv,
    quota_resume_time,
    template_set,
)
from .bindings import (
    BINDING_LINK_TTL,
    LinkOutcome,
    binding_bind,
    binding_link_check,
    binding_link_create,
    binding_link_redeem,
    binding_link_token_hash,
    binding_touch,
    binding_unbind,
    binding_unbind_by,
    follower_mark_unreachable,
)
from .broadcasts import (
    broadcast_cancel,
    broadcast_chunk_deliver,
    broadcast_create,
    broadcast_plan,
    broadcast_send,
    broadcast_settle,
    mass_send_finished,
    mass_sends_used,
)
from .followers import (
    SYNC_PAGE,
    followers_sync,
    followers_sync_enqueue,
)
from .inbound import (
    inbound_claim,
    inbound_purge,
)
from .menus import (
    menu_push,
    menu_push_enqueue,
    menu_save,
)

__all__ = [
    "ACCOUNT_CSV_COLUMNS",
    "BINDING_LINK_TTL",
    "STOP_REASONS",
    "SYNC_PAGE",
    "LinkOutcome",
    "account_sending_pause",
    "account_sending_resume",
    "account_sending_stop",
    "account_upsert",
    "accounts_export_csv",
    "accounts_import_csv",
    "binding_bind",
    "binding_link_check",
    "binding_link_create",
    "binding_link_redeem",
    "binding_link_token_hash",
    "binding_touch",
    "binding_unbind",
    "binding_unbind_by",
    "broadcast_cancel",
    "broadcast_chunk_deliver",
    "broadcast_create",
    "broadcast_plan",
    "broadcast_send",
    "broadcast_settle",
    "follower_mark_unreachable",
    "followers_sync",
    "followers_sync_enqueue",
    "inbound_claim",
    "inbound_purge",
    "mass_send_finished",
    "mass_sends_used",
    "menu_push",
    "menu_push_enqueue",
    "menu_save",
    "quota_resume_time",
    "template_set",
]
