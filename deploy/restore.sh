#!/usr/bin/env bash
# Restore a backup made by backup.sh:  restore.sh BACKUP_DIR/portal-<stamp>.dump
#
# The database named by DATABASE_URL (or PGHOST/PGDATABASE/...) is emptied and
# refilled (pg_restore --clean --if-exists, in one transaction: it all applies or
# nothing does); the media archive beside the dump, if any, replaces MEDIA_ROOT's
# content. Stop web, worker and beat first (docs/operations.md).
set -euo pipefail
dump=${1:?usage: restore.sh path/to/portal-<stamp>.dump}
[ -f "$dump" ] || { echo "restore: no such file: $dump" >&2; exit 2; }
export PGPASSWORD=${PGPASSWORD:-${POSTGRES_PASSWORD:-}}
[ -n "$PGPASSWORD" ] || unset PGPASSWORD
TARGET=()
[ -n "${DATABASE_URL:-}" ] && TARGET=(--dbname="$DATABASE_URL")
[ -n "${DATABASE_URL:-}" ] || TARGET=(--dbname="${PGDATABASE:?set DATABASE_URL or PGDATABASE}")

pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error "${TARGET[@]}" "$dump"
echo "restore: database restored from $dump"
media="${dump%.dump}-media.tar.gz"
if [ -f "$media" ] && [ -n "${MEDIA_ROOT:-}" ]; then
  mkdir -p "$MEDIA_ROOT"
  find "$MEDIA_ROOT" -mindepth 1 -delete
  tar -C "$MEDIA_ROOT" -xzf "$media"
  echo "restore: media restored from $media"
fi
