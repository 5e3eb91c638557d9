#!/bin/sh
# Patroni's post_bootstrap hook: runs once, on the member that initialised the cluster, with a libpq connection URL
# as $1 and PGPASSFILE set. It runs before Patroni names a synchronous standby, so this commit does not wait for one.
set -eu
exec psql "$1" -v ON_ERROR_STOP=1 -q -c 'CREATE DATABASE livevote'
