"""The Glue job runner: warm worker processes that run job scripts, and their ``awsglue``.

``JobWorkerPool(warm=n).acquire()`` gives a :class:`JobProcess` already started with pyarrow,
DuckDB and boto3 loaded; ``start(JobLaunch(...), on_output)`` hands it one run (the script
file, ``sys.argv``, the run's environment, bookmark state), ``wait()`` / ``kill()`` follow it
and ``outcome(launch)`` reads how it ended. The ``compat`` folder holds the ``awsglue``
package scripts import (and ``spark_standin`` a ``pyspark`` stand-in); only worker processes
put them on their import path, and they never import Headwater.
"""

from headwater.runtime.gluejobs.pool import JobWorkerPool
from headwater.runtime.gluejobs.process import JobLaunch, JobOutcome, JobProcess

__all__ = ["JobLaunch", "JobOutcome", "JobProcess", "JobWorkerPool"]
