"""Admin: imports. Nothing to register here: the import jobs are background jobs, shown
read-only in the core admin (Background jobs, filtered by kind "worker_import"); the
workers and deployments they create appear in the worker register's own admin."""
