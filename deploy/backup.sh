#!/usr/bin/env bash
# Back up the portal: the database in pg_dump's custom format, and the uploaded files.
#
#   BACKUP_DIR   where the backups go (required)
#   BACKUP_KEEP  how many backups to keep; older ones are deleted (default 14)
#   MEDIA_ROOT   the uploaded files (skipped when unset or missing)
#   the database: DATABASE_URL, or the libpq variables PGHOST, PGPORT, PGUSER,
#                 PGDATABASE and PGPASSWORD (POSTGRES_PASSWORD is taken for it)
#
# Writes BACKUP_DIR/portal-<UTC stamp>.dump and, beside it, portal-<stamp>-media.tar.gz.
# The dump holds the personal identifiers encrypted: it is readable only with the same
# SECRET_KEY and SALT_KEY, which are NOT in the backup (see docs/operations.md).
set -euo pipefail
: "${BACKUP_DIR:?set BACKUP_DIR}"
KEEP=${BACKUP_KEEP:-14}
export PGPASSWORD=${PGPASSWORD:-${POSTGRES_PASSWORD:-}}
[ -n "$PGPASSWORD" ] || unset PGPASSWORD
TARGET=()
[ -n "${DATABASE_URL:-}" ] && TARGET=(--dbname="$DATABASE_URL")

mkdir -p "$BACKUP_DIR"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
base="$BACKUP_DIR/portal-$stamp"
# Written under a temporary name and renamed when complete: a half-written file never
# counts as a backup (nor pushes a good one out of the retention window).
pg_dump --format=custom --compress=6 --no-owner --no-privileges "${TARGET[@]}" --file="$base.dump.part"
if [ -n "${MEDIA_ROOT:-}" ] && [ -d "$MEDIA_ROOT" ]; then
  tar -C "$MEDIA_ROOT" -czf "$base-media.tar.gz.part" .
  mv "$base-media.tar.gz.part" "$base-media.tar.gz"
fi
mv "$base.dump.part" "$base.dump"
echo "backup: $base.dump ($(du -h "$base.dump" | cut -f1))"

# Retention: keep the newest KEEP dumps (and their media archives).
ls -1 "$BACKUP_DIR"/portal-*.dump 2>/dev/null | sort -r | tail -n +"$((KEEP + 1))" | while read -r old; do
  rm -f -- "$old" "${old%.dump}-media.tar.gz"
  echo "backup: removed $old (keeping $KEEP)"
done
