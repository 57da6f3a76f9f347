"""The service modules a Headwater server runs."""

from __future__ import annotations

from headwater.services.base import Service
from headwater.services.cloudtrail import CloudTrailService
from headwater.services.events import EventsService
from headwater.services.iam import IamService
from headwater.services.sts import StsService

__all__ = ["service_classes"]


def service_classes() -> list[type[Service]]:
    """Return every service class, in start order."""
    from headwater.services.athena import AthenaService
    from headwater.services.glue import GlueService
    from headwater.services.lambda_ import LambdaService
    from headwater.services.logs import LogsService
    from headwater.services.s3 import S3Service
    from headwater.services.sns import SnsService
    from headwater.services.stepfunctions import StepFunctionsService

    return [
        S3Service,
        IamService,
        StsService,
        CloudTrailService,
        EventsService,
        LogsService,
        LambdaService,
        SnsService,
        StepFunctionsService,
        GlueService,
        AthenaService,
    ]
