# Throwaway PostgreSQL clusters on loopback for the benchmarks (sourced by bench/pg-tuning.sh and bench/fleet-p99.sh):
# a primary, and for "sync" STANDBYS streaming standbys named in synchronous_standby_names = 'ANY 1 (...)'.
# fsync and synchronous_commit stay on in every configuration: durability is never traded for speed.
#
# The caller sets: pg_bin (PostgreSQL's bin folder), work (a temp folder, owned by postgres when running as root),
# standbys (how many for "sync"), and registers `stop_clusters` in its EXIT trap.
# start_cluster fills primary_port and appends every started data folder to `running`.

# What "tuned" (and "sync") add to postgresql.conf. 2 GB of buffers holds the votes primary key of ~10M rows; a large
# max_wal_size and a long checkpoint_timeout space checkpoints out, so fewer full-page images follow them;
# wal_compression shrinks those images (WAL_COMPRESSION becomes lz4 where the binaries have it, as Debian's do).
tuned_settings="shared_buffers = 2GB
max_wal_size = 8GB
min_wal_size = 1GB
checkpoint_timeout = 15min
wal_compression = WAL_COMPRESSION
wal_buffers = 64MB"

running=()
as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
psql_at() { as_pg "$pg_bin/psql" -h 127.0.0.1 -p "$1" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAtc "$2"; }

# free_port_base FROM COUNT: the first base at or above FROM (in steps of 10) with COUNT free ports in a row. Other
# engineers run clusters on this machine too; a port taken between this probe and the start fails the start loudly.
free_port_base() {
  local base=$1 count=$2 port taken
  for _ in $(seq 1 200); do
    taken=0
    for port in $(seq "$base" $((base + count - 1))); do
      if port_in_use "$port"; then taken=1; break; fi
    done
    [[ $taken -eq 0 ]] && { echo "$base"; return; }
    base=$((base + 10))
  done
  echo "No $count free ports in a row above $1 on 127.0.0.1." >&2
  return 1
}

stop_clusters() {
  local dir
  for dir in "${running[@]}"; do
    [[ -f "$dir/postmaster.pid" ]] && as_pg "$pg_bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
  done
  running=()
}

# start_cluster NAME CONFIG PORT: a fresh primary on PORT (and, for CONFIG "sync", standbys on PORT+1...) in
# $work/NAME-primary, $work/NAME-standby_<i>; returns once every standby streams and one is synchronous.
start_cluster() {
  local name=$1 config=$2 port=$3 dir="$work/$1-primary" method=pglz names sdir sport i
  primary_port=$port
  as_pg "$pg_bin/initdb" -D "$dir" -U postgres -A trust -E UTF8 --no-locale >"$work/$name-initdb.log"
  # lz4 where the binaries are built with it (Debian's are), else the default pglz.
  as_pg "$pg_bin/postgres" -D "$dir" -C wal_compression -c wal_compression=lz4 >/dev/null 2>&1 && method=lz4
  tuned_settings=${tuned_settings/WAL_COMPRESSION/$method}
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $primary_port"
    echo "unix_socket_directories = '$work'"
    echo "fsync = on"
    echo "synchronous_commit = on"
    [[ $config != defaults ]] && echo "$tuned_settings"
    if [[ $config == sync ]]; then
      names=$(seq -s ', ' -f 'standby_%g' 1 "$standbys")
      echo "synchronous_standby_names = 'ANY 1 ($names)'"
      echo "wal_keep_size = 1GB"
    fi
  } >>"$dir/postgresql.conf"
  as_pg "$pg_bin/pg_ctl" -D "$dir" -l "$work/$name-primary.log" -w -t 120 start >/dev/null \
    || { tail -n 20 "$work/$name-primary.log" >&2; return 1; }
  running+=("$dir")
  [[ $config == sync ]] || return 0
  for i in $(seq 1 "$standbys"); do
    sdir="$work/$name-standby_$i"
    sport=$((port + i))
    as_pg "$pg_bin/pg_basebackup" -D "$sdir" -h 127.0.0.1 -p "$primary_port" -U postgres -R -X stream -c fast
    # The application_name is what synchronous_standby_names refers to.
    as_pg bash -c "printf '%s\n' \"primary_conninfo = 'host=127.0.0.1 port=$primary_port user=postgres application_name=standby_$i'\" \"port = $sport\" > '$sdir/postgresql.auto.conf'"
    as_pg "$pg_bin/pg_ctl" -D "$sdir" -l "$work/$name-standby_$i.log" -w -t 120 start >/dev/null \
      || { tail -n 20 "$work/$name-standby_$i.log" >&2; return 1; }
    running+=("$sdir")
  done
  for _ in $(seq 1 600); do
    [[ $(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND sync_state IN ('sync', 'quorum')") -ge $standbys ]] && break
    sleep 0.1
  done
  [[ $(psql_at "$primary_port" "SELECT count(*) FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')") -ge 1 ]] \
    || { echo "$name: no synchronous standby streams." >&2; return 1; }
}
