"""The Lambda service: every API mixin, plus start, stop and reset of its machinery."""

from __future__ import annotations

from headwater.services.lambda_.functions import FunctionsApi
from headwater.services.lambda_.invoke import InvokeApi
from headwater.services.lambda_.layers import LayersApi
from headwater.services.lambda_.policy import PolicyApi
from headwater.store.lambda_ import LambdaStore

__all__ = ["LambdaService"]


class LambdaService(FunctionsApi, InvokeApi, PolicyApi, LayersApi):
    """AWS Lambda for Python functions, run in warm worker processes on this machine.

    Other services call it in-process: Step Functions' ``lambda:invoke`` and EventBridge or
    S3 targets use ``registry.call(ctx, "lambda", "Invoke", {...})`` (``InvocationType``
    ``Event`` for asynchronous targets); the result is Invoke's output shape with ``Payload``
    as bytes and ``FunctionError`` set when the function failed.
    """

    service_name = "lambda"

    def start(self) -> None:
        """Resume queued asynchronous invocations (those cut short by a stop run again)."""
        with self.env.store.transaction() as conn:
            LambdaStore.requeue_running(conn)
        self.queue.start()
        self.queue.nudge()

    def stop(self) -> None:
        """Stop the queue and every worker process."""
        self.queue.stop()
        self.pool.shutdown()

    def reset(self) -> None:
        """Forget every function: workers stop and unpacked code is deleted.

        The caller wipes the store afterwards.
        """
        self.queue.wait_idle(5.0)
        self.pool.clear()
        self.code.clear()
