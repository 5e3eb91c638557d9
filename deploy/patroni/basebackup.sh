#!/bin/sh
# Base backup of one LiveVote store partition (one Patroni cluster) into a dated folder, for point-in-time recovery
# together with the WAL archive (archive_command in patroni.yml). Restore: deploy/patroni/README.md.
#
#   basebackup.sh BACKUP_ROOT [pg_basebackup connection options...]
#   e.g. PGPASSFILE=/etc/livevote/pgpass basebackup.sh /srv/backups/livevote-p0 -h 10.0.2.11 -p 5432 -U replicator
#
# Take it from a replica (its Patroni answers GET /replica with 200) to keep the copy's I/O off the primary, or from
# the primary; both work while votes are written. The backup is written to BACKUP_ROOT/<UTC time>.partial and renamed
# to BACKUP_ROOT/<UTC time> only once complete and checksummed, so a folder without .partial is a whole backup:
#   base.tar.gz     the data directory
#   pg_wal.tar.gz   the WAL from the backup's start to its end (the backup restores without the archive, to its end)
#   backup_manifest pg_basebackup's manifest (every file's checksum)
#   SHA256SUMS      sha256sum of the three, checked again here before the rename (`sha256sum -c SHA256SUMS`)
# Prints the folder. Exit 0 only if the backup is complete; a failed run leaves only a .partial folder behind.
set -eu

if [ $# -lt 1 ]; then
  echo "usage: $0 BACKUP_ROOT [pg_basebackup connection options...]" >&2
  exit 2
fi
root=$1
shift

bin_dir=${PG_BIN_DIR:-$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)}
if [ ! -x "$bin_dir/pg_basebackup" ]; then
  echo "pg_basebackup not found (set PG_BIN_DIR)" >&2
  exit 3
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$root/$stamp"
partial="$final.partial"
if [ -e "$final" ] || [ -e "$partial" ]; then
  echo "$final already exists" >&2
  exit 1
fi
mkdir -p "$partial"

# --checkpoint=fast: start at once instead of waiting for the next spread checkpoint. --wal-method=stream: the WAL the
# copy needs is streamed beside it, so it does not depend on the archive keeping up. --label names the backup in the
# archive's .backup history file.
"$bin_dir/pg_basebackup" --pgdata="$partial" --format=tar --gzip --checkpoint=fast --wal-method=stream \
  --label="livevote-$stamp" --manifest-checksums=SHA256 --no-password "$@"

# pg_basebackup fsyncs what it wrote; the checksums file too, then the rename makes the backup visible as complete.
(cd "$partial" && sha256sum base.tar.gz pg_wal.tar.gz backup_manifest >SHA256SUMS && sha256sum -c --quiet SHA256SUMS)
sync "$partial/SHA256SUMS" "$partial"
mv "$partial" "$final"
sync "$root"
echo "$final"
