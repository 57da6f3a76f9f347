"""What every part of the Lambda service shares: its machinery and how names resolve."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from headwater.runtime.workers import WorkerPool
from headwater.runtime.workers.dispatch import Dispatcher
from headwater.services.base import Environment, RequestContext, Service
from headwater.services.lambda_ import errors
from headwater.services.lambda_.code import CodeStore
from headwater.services.lambda_.model import (
    LATEST,
    AliasConfig,
    FunctionConfig,
    FunctionRef,
    function_arn,
    parse_function_name,
)
from headwater.store.lambda_ import AsyncInvocation, FunctionRow, LambdaStore

__all__ = ["LambdaCore", "Resolved"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """A function reference resolved to the version that runs."""

    function: FunctionRow
    config: FunctionConfig  # the configuration of the executed version
    qualifier: str  # as named: "$LATEST", a version number or an alias name
    alias: AliasConfig | None = None

    @property
    def invoked_arn(self) -> str:
        """The ARN the caller used (qualified unless it named the bare function)."""
        base = self.config.arn
        return (
            base if self.qualifier == LATEST and self.alias is None else f"{base}:{self.qualifier}"
        )


class LambdaCore(Service):
    """State and helpers the API mixins of :class:`LambdaService` build on."""

    service_name = "lambda"

    def __init__(self, env: Environment) -> None:
        super().__init__(env)
        self.code = CodeStore(env.data_dir / "lambda")
        self.pool = WorkerPool()
        self.queue: Dispatcher[AsyncInvocation] = Dispatcher(
            "lambda-async", env.clock, self._claim_async, self._run_async, parallel=8
        )

    # -- hooks the invoke mixin provides -----------------------------------------------------
    def _claim_async(self, now: float, limit: int) -> tuple[list[AsyncInvocation], float | None]:
        raise NotImplementedError

    def _run_async(self, item: AsyncInvocation) -> None:
        raise NotImplementedError

    # -- helpers -----------------------------------------------------------------------------
    @staticmethod
    def new_revision() -> str:
        """A fresh RevisionId."""
        return str(uuid.uuid4())

    def now(self) -> float:
        """The injected clock's time."""
        return self.env.clock.now()

    @staticmethod
    def not_found(ctx: RequestContext, name: str, qualifier: str | None = None) -> Any:
        """ResourceNotFoundException for a function (or one of its qualifiers)."""
        arn = function_arn(ctx.region, ctx.account_id, name)
        if qualifier and qualifier != LATEST:
            arn += f":{qualifier}"
        return errors.not_found(f"Function not found: {arn}")

    def load(self, conn: sa.Connection, ctx: RequestContext, name: str) -> FunctionRow:
        """The function row, or ResourceNotFoundException."""
        row = LambdaStore.get_function(conn, name)
        if row is None:
            raise self.not_found(ctx, name)
        return row

    def resolve(
        self,
        conn: sa.Connection,
        ctx: RequestContext,
        ref: FunctionRef,
        *,
        route: bool = False,
    ) -> Resolved:
        """Resolve a name and qualifier to the configuration that runs.

        With ``route`` an alias's weighted routing picks the version, as Invoke does.
        """
        row = self.load(conn, ctx, ref.name)
        latest = FunctionConfig.from_doc(row.config)
        qualifier = ref.qualifier or LATEST
        if qualifier == LATEST:
            return Resolved(function=row, config=latest, qualifier=LATEST)
        if qualifier.isdigit():
            doc = LambdaStore.get_version(conn, ref.name, int(qualifier))
            if doc is None:
                raise self.not_found(ctx, ref.name, qualifier)
            return Resolved(function=row, config=FunctionConfig.from_doc(doc), qualifier=qualifier)
        alias_doc = LambdaStore.get_alias(conn, ref.name, qualifier)
        if alias_doc is None:
            raise self.not_found(ctx, ref.name, qualifier)
        alias = AliasConfig.from_doc(alias_doc)
        version = alias.function_version
        if route and alias.weights:
            draw = random.random()  # traffic shifting, not security
            for extra, weight in alias.weights.items():
                if draw < weight:
                    version = extra
                    break
                draw -= weight
        if version == LATEST:
            cfg = latest
        else:
            doc = LambdaStore.get_version(conn, ref.name, int(version))
            if doc is None:
                raise self.not_found(ctx, ref.name, version)
            cfg = FunctionConfig.from_doc(doc)
        return Resolved(function=row, config=cfg, qualifier=qualifier, alias=alias)

    def ref(self, params: dict[str, Any], *, qualifier_key: str = "Qualifier") -> FunctionRef:
        """The function a request names (``FunctionName`` plus optional ``Qualifier``)."""
        return parse_function_name(params["FunctionName"], params.get(qualifier_key))

    @staticmethod
    def check_revision(current: str, params: dict[str, Any]) -> None:
        """Refuse a change whose RevisionId is not the latest."""
        given = params.get("RevisionId")
        if given and given != current:
            raise errors.precondition_failed(
                "The Revision Id provided does not match the latest Revision Id. "
                "Call the GetFunction/GetAlias API to retrieve the latest Revision Id"
            )
