"""EventBridge: buses, rules, targets, PutEvents, durable delivery, S3/CloudTrail/schedules.

Public surface: :class:`EventsService` (the API) and :func:`register_target` (how other
services plug a target type in).
"""

from headwater.services.events.service import EventsService
from headwater.services.events.targets import TargetError, register_target

__all__ = ["EventsService", "TargetError", "register_target"]
