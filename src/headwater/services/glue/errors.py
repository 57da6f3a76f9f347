"""The Glue errors the catalog, classifier, connection and crawler operations raise.

ServiceError (headwater.services.errors)
 ├── EntityNotFoundException      a named database, table, partition, crawler ... is missing
 ├── AlreadyExistsException       the name is taken
 ├── InvalidInputException        a request field breaks Glue's rules (the message says which)
 ├── CrawlerRunningException      StartCrawler / UpdateCrawler / DeleteCrawler while running
 ├── CrawlerNotRunningException   StopCrawler on a READY crawler
 ├── CrawlerStoppingException     StopCrawler while STOPPING
 ├── SchedulerRunningException    StartCrawlerSchedule on a SCHEDULED crawler
 ├── SchedulerNotRunningException StopCrawlerSchedule on a NOT_SCHEDULED crawler
 ├── NoScheduleException          a schedule operation on a crawler without a schedule
 └── VersionMismatchException     an update lost a race with another update

Glue answers every one of them with HTTP 400. The helpers build them with Glue's own wording.
"""

from __future__ import annotations

from headwater.services.errors import ServiceError

__all__ = [
    "already_exists",
    "crawler_not_found",
    "crawler_not_running",
    "crawler_running",
    "crawler_stopping",
    "database_not_found",
    "entity_not_found",
    "invalid_input",
    "no_schedule",
    "partition_not_found",
    "scheduler_not_running",
    "scheduler_running",
    "table_not_found",
]


def entity_not_found(message: str) -> ServiceError:
    """``EntityNotFoundException``."""
    return ServiceError("EntityNotFoundException", message, fields={"FromFederationSource": False})


def database_not_found(name: str) -> ServiceError:
    """The database ``name`` does not exist."""
    return entity_not_found(f"Database {name} not found.")


def table_not_found(name: str) -> ServiceError:
    """The table ``name`` does not exist in its database."""
    return entity_not_found(f"Table {name} not found.")


def partition_not_found() -> ServiceError:
    """No partition has the given values."""
    return entity_not_found("Cannot find partition.")


def crawler_not_found(name: str, *, entry: bool = True) -> ServiceError:
    """GetCrawler says "Crawler entry with name ..."; StartCrawler "Crawler with name ..."."""
    word = "Crawler entry" if entry else "Crawler"
    return entity_not_found(f"{word} with name {name} does not exist")


def already_exists(message: str) -> ServiceError:
    """``AlreadyExistsException``."""
    return ServiceError("AlreadyExistsException", message)


def invalid_input(message: str) -> ServiceError:
    """``InvalidInputException``."""
    return ServiceError("InvalidInputException", message)


def crawler_running(name: str) -> ServiceError:
    """The crawler is already running."""
    return ServiceError("CrawlerRunningException", f"Crawler with name {name} has already started")


def crawler_not_running(name: str) -> ServiceError:
    """StopCrawler on a crawler that is not running."""
    return ServiceError("CrawlerNotRunningException", f"Crawler with name {name} is not running")


def crawler_stopping(name: str) -> ServiceError:
    """StopCrawler while the crawler is already stopping."""
    return ServiceError("CrawlerStoppingException", f"Crawler with name {name} is stopping")


def no_schedule(name: str) -> ServiceError:
    """A schedule operation on a crawler that has none."""
    return ServiceError("NoScheduleException", f"Crawler {name} has no schedule")


def scheduler_running(name: str) -> ServiceError:
    """StartCrawlerSchedule when already scheduled."""
    return ServiceError(
        "SchedulerRunningException", f"Schedule of crawler {name} is already running"
    )


def scheduler_not_running(name: str) -> ServiceError:
    """StopCrawlerSchedule when not scheduled."""
    return ServiceError(
        "SchedulerNotRunningException", f"Schedule of crawler {name} is not running"
    )
