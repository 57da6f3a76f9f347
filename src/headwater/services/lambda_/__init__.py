"""AWS Lambda: Python functions in warm worker processes, with Lambda's API and failures."""

from headwater.services.lambda_.service import LambdaService

__all__ = ["LambdaService"]
