"""SNS: topics, subscriptions and durable local delivery (email, Lambda, SQS, HTTP)."""

from headwater.services.sns.filters import matches_filter_policy
from headwater.services.sns.service import PROTOCOLS, SnsService, list_mailbox

__all__ = ["PROTOCOLS", "SnsService", "list_mailbox", "matches_filter_policy"]
