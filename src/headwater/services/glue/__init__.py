"""AWS Glue: the Data Catalog, classifiers, connections and crawlers that really crawl.

Public surface: :class:`GlueService` (the API), :class:`CrawlCompletion` (what crawl
completion listeners receive) and :class:`CatalogWriter` (catalog changes inside a caller's
transaction, as Athena DDL uses them).

The service class is composed of one mixin per operation family, each a module of its own:

- ``catalog.py``      databases, tables, table versions, SearchTables (``CatalogOperations``)
- ``partitions.py``   partitions and GetPartitions' Expression (``PartitionOperations``)
- ``classifiers.py``  custom classifiers (``ClassifierOperations``)
- ``connections.py``  connections (``ConnectionOperations``)
- ``crawlers.py``     crawlers, crawls, schedules (``CrawlerOperations``; the crawl itself is
  ``runner.py``, JDBC metadata ``jdbc.py``)
- ``tags.py``         TagResource / UntagResource / GetTags (``TagOperations``)

To add an area (jobs, workflows, triggers): write ``jobs.py`` with ``class JobOperations
(GlueCore)`` whose methods are the botocore snake_case operation names taking ``(ctx,
params)``; keep its store port in its own module under ``headwater/store/``; add the mixin to
the bases of :class:`GlueService` in ``service.py`` and, if it needs start-up work, extend
``GlueService.start``/``stop`` (call the existing steps too). Register taggable kinds with
:func:`headwater.services.glue.tags.register_taggable`. Glue's error codes are built with
:mod:`headwater.services.glue.errors`. To wait for a crawler, use
``registry.get("glue").add_completion_listener(callback)`` (see ``docs/catalog.md``).
"""

from headwater.services.glue.runner import CrawlCompletion
from headwater.services.glue.service import GlueService
from headwater.services.glue.writes import CatalogWriter

__all__ = ["CatalogWriter", "CrawlCompletion", "GlueService"]
