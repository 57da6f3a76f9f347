"""Mocked integrations in the Step Functions Local format, from ``--sfn-mock-config``."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from headwater.cli.main import _parser
from headwater.cli.server import ServerConfig, ServerThread, free_port
from headwater.runtime.clock import VirtualClock
from headwater.services.stepfunctions.integrations import Failed, Succeeded
from headwater.services.stepfunctions.mocks import MockConfig, MockConfigError
from tests.stepfunctions.conftest import ROLE, run_to_end
from tests.stepfunctions.test_pipelines import s4_definition

pytestmark = pytest.mark.e2e

CHECK = "arn:aws:lambda:us-east-1:000000000000:function:dataeng-check-file-ext"
PROCESS = "arn:aws:lambda:us-east-1:000000000000:function:dataeng-random-failure-generator"
TOPIC = "arn:aws:sns:us-east-1:000000000000:dataeng-failure-notification"

MOCKS = {
    "StateMachines": {
        "ProcessFilesStateMachine": {
            "TestCases": {
                "HappyPath": {
                    "Check file extension": "CsvFile",
                    "Process CSV": "Processed",
                },
                "RetryThenFail": {
                    "Check file extension": "FlakyCheck",
                    "Process CSV": "DivideByZero",
                    "SNS Publish": "Published",
                },
            }
        }
    },
    "MockedResponses": {
        "CsvFile": {
            "0": {"Return": {"StatusCode": 200, "Payload": {"file_extension": ".csv", "key": "k"}}}
        },
        "FlakyCheck": {
            "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "busy"}},
            "1-2": {"Throw": {"Error": "Lambda.TooManyRequestsException", "Cause": "slow down"}},
            "3": {"Return": {"StatusCode": 200, "Payload": {"file_extension": ".csv"}}},
        },
        "Processed": {"0": {"Return": {"StatusCode": 200, "Payload": 5.0}}},
        "DivideByZero": {
            "0": {"Throw": {"Error": "ZeroDivisionError", "Cause": '{"errorMessage": "x"}'}}
        },
        "Published": {"0": {"Return": {"MessageId": "mocked-message"}}},
    },
}


@pytest.fixture
def mocked(tmp_path: Path) -> Iterator[tuple[Any, VirtualClock, str]]:
    """A server started with ``--sfn-mock-config`` and the S4 machine (no real functions)."""
    path = tmp_path / "MockConfigFile.json"
    path.write_text(json.dumps(MOCKS))
    args = _parser().parse_args(["up", "--sfn-mock-config", str(path)])
    config = ServerConfig(
        data_dir=tmp_path / "data",
        port=free_port(),
        time_scale=0,
        sfn_mock_config=args.sfn_mock_config,
    )
    clock = VirtualClock()
    server = ServerThread(config, clock=clock).start()
    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, inject_host_prefix=False),
    )
    arn = sfn.create_state_machine(
        name="ProcessFilesStateMachine",
        definition=json.dumps(s4_definition(CHECK, PROCESS, TOPIC)),
        roleArn=ROLE,
    )["stateMachineArn"]
    yield sfn, clock, arn
    server.stop()


def test_happy_path_uses_the_mocked_returns(mocked: tuple[Any, VirtualClock, str]) -> None:
    sfn, clock, arn = mocked
    run = sfn.start_execution(stateMachineArn=f"{arn}#HappyPath", input="{}")["executionArn"]
    done = run_to_end(sfn, clock, run)
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == 5.0


def test_retries_wait_between_mocked_attempts(mocked: tuple[Any, VirtualClock, str]) -> None:
    sfn, clock, arn = mocked
    run = sfn.start_execution(stateMachineArn=f"{arn}#RetryThenFail", input="{}")["executionArn"]
    done = run_to_end(sfn, clock, run)
    assert done["status"] == "FAILED"  # caught, "published", then the Fail state
    events = sfn.get_execution_history(executionArn=run, maxResults=1000)["events"]
    failures = [e["taskFailedEventDetails"]["error"] for e in events if e["type"] == "TaskFailed"]
    assert failures == [
        "Lambda.ServiceException",
        "Lambda.TooManyRequestsException",
        "Lambda.TooManyRequestsException",
        "ZeroDivisionError",
    ]
    scheduled = [e["timestamp"] for e in events if e["type"] == "TaskScheduled"]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(scheduled[:4])]
    assert gaps == [2, 4, 8]  # IntervalSeconds 2, BackoffRate 2
    published = [e for e in events if e["type"] == "TaskSucceeded"][-1]
    assert json.loads(published["taskSucceededEventDetails"]["output"]) == {
        "MessageId": "mocked-message"
    }


def test_unknown_test_case_is_refused(mocked: tuple[Any, VirtualClock, str]) -> None:
    sfn, _, arn = mocked
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=f"{arn}#NoSuchCase", input="{}")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


def test_mock_config_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mocks.json"
    path.write_text(json.dumps(MOCKS))
    monkeypatch.setenv("SFN_MOCK_CONFIG", str(path))
    config = MockConfig.from_env()
    assert config is not None
    case = config.test_case("ProcessFilesStateMachine", "RetryThenFail")
    assert case is not None
    flaky = case["Check file extension"]
    assert config.answer(flaky, 0) == Failed(error="Lambda.ServiceException", cause="busy")
    assert config.answer(flaky, 2) == Failed(
        error="Lambda.TooManyRequestsException", cause="slow down"
    )
    assert isinstance(config.answer(flaky, 3), Succeeded)
    assert config.answer(flaky, 9) == config.answer(flaky, 3)  # the last one repeats
    with pytest.raises(MockConfigError):
        MockConfig.parse({"StateMachines": {"M": {"TestCases": {"C": {"S": "missing"}}}}})
    with pytest.raises(MockConfigError):
        MockConfig.parse({"MockedResponses": {"R": {"zero": {"Return": 1}}}})
