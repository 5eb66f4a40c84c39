#!/bin/sh
# The database logins of the docker compose stack, created by the postgres image's first
# start (it runs /docker-entrypoint-initdb.d/* once, as the superuser, on an empty volume).
#
#   POSTGRES_USER (superuser)  stays here: initialisation and your own maintenance only.
#   fueltracker                the app's login: owns the database and the schema (runs the
#                              migrations), no superuser, no BYPASSRLS, cannot create roles
#                              or databases; works as fueltracker_app (SET ROLE on connect).
#   fueltracker_app            NOLOGIN: what row-level security binds (migration 0004).
#   fueltracker_backup         backup and restore (docs/backup.md): BYPASSRLS, reads and
#                              writes the tables, owns nothing, no DDL.
#
# Idempotent: re-running it (as a superuser) brings an existing cluster to this state, e.g.
# a stack created when the app's login was the superuser (docs/deploy.md, "Upgrading").
# Tested without Docker by tests/integration/test_image_replay.py.
set -eu
: "${POSTGRES_USER:?}" "${FUELTRACKER_DB_PASSWORD:?set FUELTRACKER_DB_PASSWORD}"
: "${FUELTRACKER_BACKUP_PASSWORD:?set FUELTRACKER_BACKUP_PASSWORD}"

psql -v ON_ERROR_STOP=1 -X --username "$POSTGRES_USER" --dbname postgres \
     -v owner_password="$FUELTRACKER_DB_PASSWORD" \
     -v backup_password="$FUELTRACKER_BACKUP_PASSWORD" <<'SQL'
SELECT 'CREATE ROLE fueltracker' WHERE NOT EXISTS (
    SELECT FROM pg_roles WHERE rolname = 'fueltracker') \gexec
ALTER ROLE fueltracker WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    NOBYPASSRLS PASSWORD :'owner_password';

SELECT 'CREATE ROLE fueltracker_app' WHERE NOT EXISTS (
    SELECT FROM pg_roles WHERE rolname = 'fueltracker_app') \gexec
ALTER ROLE fueltracker_app WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    NOBYPASSRLS;
GRANT fueltracker_app TO fueltracker;

SELECT 'CREATE ROLE fueltracker_backup' WHERE NOT EXISTS (
    SELECT FROM pg_roles WHERE rolname = 'fueltracker_backup') \gexec
ALTER ROLE fueltracker_backup WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    BYPASSRLS PASSWORD :'backup_password';

SELECT 'CREATE DATABASE fueltracker OWNER fueltracker' WHERE NOT EXISTS (
    SELECT FROM pg_database WHERE datname = 'fueltracker') \gexec
ALTER DATABASE fueltracker OWNER TO fueltracker;
REVOKE ALL ON DATABASE fueltracker FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE fueltracker TO fueltracker, fueltracker_backup;

\connect fueltracker
-- The schema belongs to the database owner (pg_database_owner): fueltracker creates the
-- tables there; nobody else creates anything.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO fueltracker_backup;
-- Every table and sequence fueltracker creates (the migrations), and those it already has:
-- read for backup, write for restore (COPY, the EXCLUSIVE lock, moving the sequences).
ALTER DEFAULT PRIVILEGES FOR ROLE fueltracker IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE ON TABLES TO fueltracker_backup;
ALTER DEFAULT PRIVILEGES FOR ROLE fueltracker IN SCHEMA public
    GRANT SELECT, USAGE, UPDATE ON SEQUENCES TO fueltracker_backup;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO fueltracker_backup;
GRANT SELECT, USAGE, UPDATE ON ALL SEQUENCES IN SCHEMA public TO fueltracker_backup;
SQL
