"""GraphQL types of the WeChat integration's coordinator features (broadcasts)."""

import graphene
from graphene_django import DjangoObjectType

from backend.wechat.error_codes import BroadcastErrorCode
from backend.wechat.models import Broadcast, BroadcastScope, BroadcastStatus
from frontend_api.core.descriptions import COMMON_ERROR_CODES, enum_description

BroadcastStatusEnum = graphene.Enum.from_enum(
    BroadcastStatus, name="BroadcastStatus", description=enum_description(
        "Where a broadcast is.", {
            "PLANNED": "Planned: recipients counted and split into chunks; nothing sent yet.",
            "SENDING": "Being handed to WeChat chunk by chunk.",
            "SENT": "Every chunk finished; sent and failed are final.",
            "CANCELLED": "Stopped; chunks not yet handed to WeChat were not sent.",
            "FAILED": "Finished without WeChat accepting any chunk.",
        }))

BroadcastScopeEnum = graphene.Enum.from_enum(
    BroadcastScope, name="BroadcastScope", description=enum_description(
        "Whose followers a broadcast goes to.", {
            "COMMUNITY": "A community's account's followers.",
            "STREET": "A street's account's followers, or those of every community account in "
                      "the street when the street has none.",
            "DISTRICT": "The district account's followers.",
        }))

BroadcastErrorCodeEnum = graphene.Enum.from_enum(
    BroadcastErrorCode, name="BroadcastErrorCode", description=enum_description(
        "Why a broadcast mutation refused.", {
            **COMMON_ERROR_CODES,
            "OUTSIDE_YOUR_UNIT": "You coordinate a unit, but not this one; nothing was "
                                 "created or changed.",
            "QUOTA_EXCEEDED": "An account's mass sends for the period (about 4 a month for a "
                              "service account, 1 a day for a subscription account) are used "
                              "up.",
            "NO_ACCOUNT": "The unit has no official account to send through.",
            "NO_RECIPIENTS": "Nobody follows the accounts (or can receive a mass send).",
            "INVALID_STATE": "The broadcast is not in a state that allows this (sent "
                             "already, cancelled or finished).",
        }))


class BroadcastType(DjangoObjectType):
    """A mass send by a community, a street or the district to its followers (v1.1). A
    person following several of the accounts receives it once."""

    title = graphene.String(required=True, description="The headline followers read first.")
    body = graphene.String(required=True, description="The text of the message.")
    url = graphene.String(required=True, description="The Linli link at the end of the "
                                                     "message (absolute).")
    sending_started_at = graphene.DateTime(description="When broadcastSend started it; null "
                                                       "while PLANNED.")
    finished_at = graphene.DateTime(description="When the last chunk finished (or it was "
                                                "cancelled and nothing was in flight).")
    status = BroadcastStatusEnum(required=True, description="Where it is.")
    scope = BroadcastScopeEnum(required=True, description="Whose followers it goes to.")
    planned = graphene.Int(required=True, description="Recipients counted when it was "
                                                      "planned.")
    sent = graphene.Int(required=True, description="Reached, as WeChat reported in its "
                                                   "MASSSENDJOBFINISH events so far.")
    failed = graphene.Int(required=True, description="Not reached (unsubscribed, refused, or "
                                                     "the chunk failed), as reported so far.")

    class Meta:
        model = Broadcast
        name = "Broadcast"
        interfaces = (graphene.relay.Node,)
        fields = ("id", "title", "body", "url", "status", "scope", "planned", "sent",
                  "failed", "sending_started_at", "finished_at")
        description = ("A mass send by a community, a street or the district to its "
                       "followers (v1.1).")
