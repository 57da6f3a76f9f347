"""Amazon Athena: Athena SQL run by DuckDB over the Glue Data Catalog, results in the lake.

Public surface: :class:`AthenaService`. The class is composed of one mixin per operation family:

- ``queries.py``     StartQueryExecution ... GetQueryResults, StopQueryExecution, listings
- ``workgroups.py``  work groups and tags
- ``saved.py``       named queries and prepared statements
- ``catalogs.py``    data catalogs, databases and table metadata
- ``runner.py``      the durable queue, worker threads, results and catalog changes
- ``writes.py``      data files CTAS / INSERT / UNLOAD wrote become S3 objects
- ``utility.py``     PREPARE ... FROM and DEALLOCATE PREPARE, run by the service itself
- ``results.py``     GetQueryResults pages, from memory or read back from the result object
- ``events.py``      "Athena Query State Change" events on the default EventBridge bus
- ``sfn.py``         Step Functions' ``athena:*`` integrations and the ``.sync`` waiter

State lives in the ``athena`` store port (:mod:`headwater.store.athena`).
"""

from headwater.services.athena import sfn  # noqa: F401  (registers the Step Functions tasks)
from headwater.services.athena.service import AthenaService

__all__ = ["AthenaService"]
