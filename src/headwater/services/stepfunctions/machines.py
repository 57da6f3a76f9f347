"""State machines, versions, aliases, tags, ValidateStateMachineDefinition and TestState."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import sqlalchemy as sa

import headwater.asl as asl
from headwater.services.base import RequestContext
from headwater.services.errors import ServiceError
from headwater.services.stepfunctions import arns, errors
from headwater.services.stepfunctions.core import StepFunctionsCore, definition_hash
from headwater.services.stepfunctions.integrations import (
    Failed,
    IntegrationContext,
    Submitted,
    TaskCall,
    find_integration,
    split_resource,
)
from headwater.services.stepfunctions.shapes import (
    DEFAULT_LOGGING,
    DEFAULT_TRACING,
    page,
    tags_in,
    tags_out,
)
from headwater.store.states import AliasRow, MachineRow, StatesStore, VersionRow

__all__ = ["MachinesApi"]

_TYPES = ("STANDARD", "EXPRESS")
_ENCRYPTION = {"type": "AWS_OWNED_KEY"}


def _config(params: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    old = old or {}
    return {
        "logging": params.get("loggingConfiguration") or old.get("logging") or DEFAULT_LOGGING,
        "tracing": params.get("tracingConfiguration") or old.get("tracing") or DEFAULT_TRACING,
        "encryption": params.get("encryptionConfiguration") or old.get("encryption") or _ENCRYPTION,
    }


def _check_role(role: Any) -> str:
    if not isinstance(role, str) or not role:
        raise errors.validation(
            "1 validation error detected: Value null at 'roleArn' failed to satisfy "
            "constraint: Member must not be null"
        )
    if not role.startswith("arn:"):
        raise errors.invalid_arn(f"Invalid ARN prefix: {role}")
    return role


class MachinesApi(StepFunctionsCore):
    """State machine operations."""

    # -- helpers ---------------------------------------------------------------------------
    def _machine(self, conn: sa.Connection, arn: str) -> MachineRow:
        parsed = arns.parse(arn, "stateMachine")
        machine = StatesStore.get_machine(conn, parsed.machine)
        if machine is None:
            raise errors.machine_missing(arn)
        return machine

    def _text(self, definition: Any) -> str:
        if isinstance(definition, dict):
            return json.dumps(definition)
        if not isinstance(definition, str):
            raise errors.invalid_definition(
                "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The definition "
                "must be a JSON object at /'"
            )
        return definition

    def _publish(
        self,
        conn: sa.Connection,
        machine: MachineRow,
        description: str | None,
        at: float,
    ) -> tuple[VersionRow, MachineRow]:
        number = machine.next_version
        version = VersionRow(
            arn=f"{machine.arn}:{number}",
            machine_arn=machine.arn,
            version=number,
            definition_hash=machine.definition_hash,
            role_arn=machine.role_arn,
            description=description,
            created=at,
            revision_id=machine.revision_id,
            config=machine.config,
        )
        StatesStore.put_version(conn, version)
        updated = _replace(machine, next_version=number + 1)
        StatesStore.put_machine(conn, updated)
        self.forget_machine(conn, machine.arn)
        return version, updated

    # -- state machines --------------------------------------------------------------------
    def create_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """CreateStateMachine: the definition is compiled and validated now."""
        name = arns.check_name(str(params.get("name") or ""))
        machine_type = params.get("type") or "STANDARD"
        if machine_type not in _TYPES:
            raise errors.validation(
                f"1 validation error detected: Value '{machine_type}' at 'type' failed to "
                f"satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
            )
        role = _check_role(params.get("roleArn"))
        text = self._text(params.get("definition"))
        self.compile(text, machine_type)
        digest = definition_hash(text)
        arn = arns.machine_arn(ctx.region, ctx.account_id, name)
        now = self.now()
        config = _config(params)
        with self.env.store.transaction() as conn:
            existing = StatesStore.get_machine(conn, arn)
            if existing is not None:
                same = (
                    existing.definition_hash == digest
                    and existing.role_arn == role
                    and existing.type == machine_type
                    and existing.config == config
                )
                if not same:
                    raise errors.already_exists(arn)
                out: dict[str, Any] = {"stateMachineArn": arn, "creationDate": existing.created}
                if params.get("publish"):
                    versions = StatesStore.list_versions(conn, arn)
                    if versions:
                        out["stateMachineVersionArn"] = versions[0].arn
                return out
            StatesStore.put_definition(conn, digest, text)
            machine = MachineRow(
                arn=arn,
                region=ctx.region,
                name=name,
                type=machine_type,
                definition_hash=digest,
                role_arn=role,
                created=now,
                updated=now,
                revision_id=uuid.uuid4().hex,
                description=None,
                config=config,
                tags=tags_in(params.get("tags")),
                next_version=1,
            )
            StatesStore.put_machine(conn, machine)
            self.forget_machine(conn, arn)
            out = {"stateMachineArn": arn, "creationDate": now}
            if params.get("publish"):
                version, _ = self._publish(conn, machine, params.get("versionDescription"), now)
                out["stateMachineVersionArn"] = version.arn
        return out

    def describe_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeStateMachine (of the machine, or of a version ARN)."""
        arn = params["stateMachineArn"]
        parsed = arns.parse(arn, "stateMachine")
        with self.env.store.read() as conn:
            machine = StatesStore.get_machine(conn, parsed.machine)
            if machine is None:
                raise errors.machine_missing(arn)
            if parsed.rest:
                if not parsed.rest[0].isdigit():
                    raise errors.invalid_arn(
                        f"Resource type not valid in this context: stateMachine alias: {arn}"
                    )
                version = StatesStore.get_version(conn, arn)
                if version is None:
                    raise errors.machine_missing(arn)
                text = StatesStore.definition(conn, version.definition_hash) or ""
                out = self._describe(machine, text)
                out.update(
                    stateMachineArn=version.arn,
                    roleArn=version.role_arn,
                    revisionId=version.revision_id,
                    creationDate=version.created,
                )
                if version.description:
                    out["description"] = version.description
                return out
            text = StatesStore.definition(conn, machine.definition_hash) or ""
        return self._describe(machine, text)

    def _describe(self, machine: MachineRow, text: str) -> dict[str, Any]:
        return {
            "stateMachineArn": machine.arn,
            "name": machine.name,
            "status": "ACTIVE",
            "definition": text,
            "roleArn": machine.role_arn,
            "type": machine.type,
            "creationDate": machine.created,
            "loggingConfiguration": machine.config.get("logging", DEFAULT_LOGGING),
            "tracingConfiguration": machine.config.get("tracing", DEFAULT_TRACING),
            "revisionId": machine.revision_id,
            "encryptionConfiguration": machine.config.get("encryption", _ENCRYPTION),
        }

    def update_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateStateMachine; running executions keep the definition they started with."""
        arn = params["stateMachineArn"]
        parsed = arns.parse(arn, "stateMachine")
        if parsed.rest:
            raise errors.validation(
                f"Invalid Arn: 'Resource type not valid in this context: {arn}'"
            )
        keys = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
        if not any(params.get(k) is not None for k in keys) and not params.get(
            "encryptionConfiguration"
        ):
            raise ServiceError(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, "
                "EncryptionConfiguration or the TracingConfiguration must be specified",
            )
        now = self.now()
        with self.env.store.transaction() as conn:
            machine = self._machine(conn, arn)
            digest = machine.definition_hash
            if params.get("definition") is not None:
                text = self._text(params["definition"])
                self.compile(text, machine.type)
                digest = definition_hash(text)
                StatesStore.put_definition(conn, digest, text)
            role = machine.role_arn
            if params.get("roleArn") is not None:
                role = _check_role(params["roleArn"])
            config = _config(params, machine.config)
            changed = (
                digest != machine.definition_hash
                or role != machine.role_arn
                or config != machine.config
            )
            updated = _replace(
                machine,
                definition_hash=digest,
                role_arn=role,
                config=config,
                updated=now,
                revision_id=uuid.uuid4().hex if changed else machine.revision_id,
            )
            StatesStore.put_machine(conn, updated)
            self.forget_machine(conn, machine.arn)
            out: dict[str, Any] = {"updateDate": now, "revisionId": updated.revision_id}
            if params.get("publish"):
                version, _ = self._publish(conn, updated, params.get("versionDescription"), now)
                out["stateMachineVersionArn"] = version.arn
        return out

    def delete_state_machine(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """DeleteStateMachine (a version ARN deletes that version)."""
        arn = params["stateMachineArn"]
        parsed = arns.parse(arn, "stateMachine")
        if parsed.rest:
            if not parsed.rest[0].isdigit():
                raise errors.validation(
                    f"Invalid Arn: 'Resource type not valid in this context: {arn}'"
                )
            return self.delete_state_machine_version(ctx, {"stateMachineVersionArn": arn})
        with self.env.store.transaction() as conn:
            StatesStore.delete_machine(conn, parsed.machine)
            self.forget_machine(conn, parsed.machine)
        return {}

    def list_state_machines(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListStateMachines."""
        with self.env.store.read() as conn:
            found = StatesStore.list_machines(conn, ctx.region)
        items = [
            {
                "stateMachineArn": m.arn,
                "name": m.name,
                "type": m.type,
                "creationDate": m.created,
            }
            for m in found
        ]
        chunk, token = page(items, params)
        out: dict[str, Any] = {"stateMachines": chunk}
        if token:
            out["nextToken"] = token
        return out

    # -- versions --------------------------------------------------------------------------
    def publish_state_machine_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """PublishStateMachineVersion (idempotent for an unchanged revision)."""
        arn = params["stateMachineArn"]
        now = self.now()
        with self.env.store.transaction() as conn:
            machine = self._machine(conn, arn)
            revision = params.get("revisionId")
            if revision and revision != machine.revision_id:
                raise ServiceError(
                    "ConflictException",
                    f"Failed to publish the State Machine version for revision {revision}. "
                    f"The current State Machine revision is {machine.revision_id}.",
                )
            versions = StatesStore.list_versions(conn, machine.arn)
            if versions and versions[0].revision_id == machine.revision_id:
                return {
                    "creationDate": versions[0].created,
                    "stateMachineVersionArn": versions[0].arn,
                }
            version, _ = self._publish(conn, machine, params.get("description"), now)
        return {"creationDate": version.created, "stateMachineVersionArn": version.arn}

    def list_state_machine_versions(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListStateMachineVersions, newest first."""
        with self.env.store.read() as conn:
            machine = self._machine(conn, params["stateMachineArn"])
            found = StatesStore.list_versions(conn, machine.arn)
        items = [{"stateMachineVersionArn": v.arn, "creationDate": v.created} for v in found]
        chunk, token = page(items, params)
        out: dict[str, Any] = {"stateMachineVersions": chunk}
        if token:
            out["nextToken"] = token
        return out

    def delete_state_machine_version(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeleteStateMachineVersion (refused while an alias routes to it)."""
        arn = params["stateMachineVersionArn"]
        parsed = arns.parse(arn, "stateMachine")
        if not parsed.rest or not parsed.rest[0].isdigit():
            raise errors.validation(
                f"Invalid Arn: 'Resource type not valid in this context: {arn}'"
            )
        with self.env.store.transaction() as conn:
            for alias in StatesStore.list_aliases(conn, parsed.machine):
                if any(r.get("stateMachineVersionArn") == arn for r in alias.routing):
                    raise ServiceError(
                        "ConflictException",
                        f"Version to be deleted must not be referenced by an alias. "
                        f"Current list of aliases referencing this version: [{alias.name}]",
                    )
            StatesStore.delete_version(conn, arn)
        return {}

    # -- aliases ---------------------------------------------------------------------------
    def _routing(self, conn: sa.Connection, routing: Any) -> list[dict[str, Any]]:
        if not isinstance(routing, list) or not 1 <= len(routing) <= 2:
            raise errors.validation("Routing configuration must have one or two versions")
        total = 0
        machines: set[str] = set()
        for entry in routing:
            arn = entry.get("stateMachineVersionArn", "")
            parsed = arns.parse(arn, "stateMachine")
            if not parsed.rest or not parsed.rest[0].isdigit():
                raise errors.validation(f"Invalid version ARN: {arn}")
            if StatesStore.get_version(conn, arn) is None:
                raise errors.resource_missing(arn)
            machines.add(parsed.machine)
            total += int(entry.get("weight", 0))
        if total != 100 or len(machines) != 1:
            raise errors.validation(
                "Sum of routing configuration weights must be equal to 100 and every version "
                "must belong to the same state machine"
            )
        return [
            {"stateMachineVersionArn": r["stateMachineVersionArn"], "weight": int(r["weight"])}
            for r in routing
        ]

    def create_state_machine_alias(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """CreateStateMachineAlias."""
        name = arns.check_name(str(params.get("name") or ""))
        if name.isdigit():
            raise errors.invalid_name(name)
        now = self.now()
        with self.env.store.transaction() as conn:
            routing = self._routing(conn, params.get("routingConfiguration"))
            machine_arn = arns.parse(routing[0]["stateMachineVersionArn"]).machine
            arn = f"{machine_arn}:{name}"
            existing = StatesStore.get_alias(conn, arn)
            if existing is not None:
                if existing.routing == routing and existing.description == params.get(
                    "description"
                ):
                    return {"stateMachineAliasArn": arn, "creationDate": existing.created}
                raise ServiceError("ConflictException", f"Alias already exists: '{arn}'")
            StatesStore.put_alias(
                conn,
                AliasRow(
                    arn=arn,
                    machine_arn=machine_arn,
                    name=name,
                    description=params.get("description"),
                    routing=routing,
                    created=now,
                    updated=now,
                ),
            )
        return {"stateMachineAliasArn": arn, "creationDate": now}

    def _alias(self, conn: sa.Connection, arn: str) -> AliasRow:
        parsed = arns.parse(arn, "stateMachine")
        if not parsed.rest or parsed.rest[0].isdigit():
            raise errors.invalid_arn(f"Resource type not valid in this context: {arn}")
        alias = StatesStore.get_alias(conn, arn)
        if alias is None:
            raise errors.resource_missing(arn)
        return alias

    def describe_state_machine_alias(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DescribeStateMachineAlias."""
        with self.env.store.read() as conn:
            alias = self._alias(conn, params["stateMachineAliasArn"])
        out: dict[str, Any] = {
            "stateMachineAliasArn": alias.arn,
            "name": alias.name,
            "routingConfiguration": alias.routing,
            "creationDate": alias.created,
            "updateDate": alias.updated,
        }
        if alias.description:
            out["description"] = alias.description
        return out

    def update_state_machine_alias(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """UpdateStateMachineAlias."""
        now = self.now()
        with self.env.store.transaction() as conn:
            alias = self._alias(conn, params["stateMachineAliasArn"])
            routing = alias.routing
            if params.get("routingConfiguration") is not None:
                routing = self._routing(conn, params["routingConfiguration"])
            description = params.get("description", alias.description)
            StatesStore.put_alias(
                conn,
                AliasRow(
                    arn=alias.arn,
                    machine_arn=alias.machine_arn,
                    name=alias.name,
                    description=description,
                    routing=routing,
                    created=alias.created,
                    updated=now,
                ),
            )
        return {"updateDate": now}

    def delete_state_machine_alias(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """DeleteStateMachineAlias."""
        with self.env.store.transaction() as conn:
            alias = self._alias(conn, params["stateMachineAliasArn"])
            StatesStore.delete_alias(conn, alias.arn)
        return {}

    def list_state_machine_aliases(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ListStateMachineAliases."""
        with self.env.store.read() as conn:
            machine = self._machine(conn, params["stateMachineArn"])
            found = StatesStore.list_aliases(conn, machine.arn)
        items = [{"stateMachineAliasArn": a.arn, "creationDate": a.created} for a in found]
        chunk, token = page(items, params)
        out: dict[str, Any] = {"stateMachineAliases": chunk}
        if token:
            out["nextToken"] = token
        return out

    # -- tags ------------------------------------------------------------------------------
    def _tags(self, conn: sa.Connection, arn: str) -> dict[str, str]:
        parsed = arns.parse(arn, "stateMachine", "activity")
        if parsed.kind == "activity":
            activity = StatesStore.get_activity(conn, arn)
            if activity is None:
                raise errors.resource_missing(arn)
            return dict(activity.tags)
        machine = StatesStore.get_machine(conn, arn)
        if machine is None:
            raise errors.resource_missing(arn)
        return dict(machine.tags)

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TagResource."""
        arn = params["resourceArn"]
        with self.env.store.transaction() as conn:
            tags = self._tags(conn, arn)
            tags.update(tags_in(params.get("tags")))
            StatesStore.set_tags(conn, arn, tags)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """UntagResource."""
        arn = params["resourceArn"]
        with self.env.store.transaction() as conn:
            tags = self._tags(conn, arn)
            for key in params.get("tagKeys") or []:
                tags.pop(key, None)
            StatesStore.set_tags(conn, arn, tags)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """ListTagsForResource."""
        with self.env.store.read() as conn:
            tags = self._tags(conn, params["resourceArn"])
        return {"tags": tags_out(tags)}

    # -- validation and TestState ----------------------------------------------------------
    def validate_state_machine_definition(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        """ValidateStateMachineDefinition: AWS's diagnostics."""
        result = asl.validate_definition(
            params["definition"], machine_type=params.get("type") or "STANDARD"
        )
        out: dict[str, Any] = result.to_wire()
        severity = params.get("severity")
        if severity == "ERROR":
            out["diagnostics"] = [d for d in out["diagnostics"] if d["severity"] == "ERROR"]
        limit = params.get("maxResults")
        if limit and len(out["diagnostics"]) > limit:
            out["diagnostics"] = out["diagnostics"][:limit]
            out["truncated"] = True
        return out

    def test_state(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        """TestState: one state in isolation; a Task without a mock calls its integration."""
        text = params.get("input")
        try:
            input_ = json.loads(text) if text else {}
        except ValueError as exc:
            raise errors.invalid_input(
                "Invalid State Machine Execution Input: 'Invalid execution input.'"
            ) from exc
        role = params.get("roleArn") or ""
        info = asl.ExecutionInfo(
            execution_arn=f"arn:aws:states:{ctx.region}:{ctx.account_id}:execution:"
            f"TestStateStateMachine:{uuid.uuid4()}",
            name="TestStateExecution",
            state_machine_arn=f"arn:aws:states:{ctx.region}:{ctx.account_id}:stateMachine:"
            "TestStateStateMachine",
            state_machine_name="TestStateStateMachine",
            role_arn=role,
            region=ctx.region,
            account=ctx.account_id,
        )

        def invoke(resource: str, parameters: Any) -> Any:
            base, pattern = split_resource(resource)
            integration = find_integration(base)
            if integration is None:
                raise asl.StatesFailure("States.Runtime", f"no integration for {resource}")
            call = TaskCall(
                resource=resource,
                base=base,
                pattern=pattern,
                parameters=parameters,
                token=str(uuid.uuid4()),
                state_name="StateName",
                attempt=0,
                execution_arn=info.execution_arn,
                region=ctx.region,
                account=ctx.account_id,
            )
            outcome = integration(IntegrationContext(env=self.env, ctx=ctx, service=self), call)
            if isinstance(outcome, Failed):
                raise asl.StatesFailure(outcome.error, outcome.cause)
            if isinstance(outcome, Submitted):
                return outcome.output
            return outcome.output

        try:
            result = asl.run_test_state(
                params["definition"],
                input_,
                info=info,
                time=self.now(),
                seed=self.seed(),
                state_name=params.get("stateName"),
                inspection_level=params.get("inspectionLevel") or "INFO",
                mock=_mock(params.get("mock")),
                variables=params.get("variables"),
                context=params.get("context"),
                state_configuration=params.get("stateConfiguration"),
                invoke=invoke,
            )
        except asl.DefinitionError as exc:
            raise errors.invalid_definition(str(exc)) from exc
        except asl.InterpreterError as exc:
            raise errors.validation(str(exc)) from exc
        wire: dict[str, Any] = result.to_wire()
        return wire


def _mock(mock: Any) -> dict[str, Any] | None:
    if not isinstance(mock, dict):
        return None
    out = {k: v for k, v in mock.items() if k in ("result", "errorOutput")}
    return out or None


def _replace(machine: MachineRow, **changes: Any) -> MachineRow:
    return dataclasses.replace(machine, **changes)
