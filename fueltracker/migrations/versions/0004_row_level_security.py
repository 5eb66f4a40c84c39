"""Row-level security, the second wall behind the services' user filters.

The app works as role `fueltracker_app` (SET ROLE on connect, see db.py): it owns no table
and is no superuser, so the policies bind it. Each service call sets, for its transaction
only, `app.user_id` (rows of that user) or, for sign-in and registration, the username being
looked up (`app.login_username`: only that account's row). With nothing set, user tables
show no rows. Migrations run as the owner and are not bound by these policies.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP_ROLE = "fueltracker_app"
USER_ID = "NULLIF(current_setting('app.user_id', true), '')::bigint"
LOGIN_NAME = "NULLIF(current_setting('app.login_username', true), '')"


def upgrade() -> None:
    # Roles are per cluster: another database of the same server may have created it, or
    # the docker compose stack's init script (deploy/postgres-init), whose app login is no
    # superuser and may neither create roles nor grant them: it is a member already.
    op.execute(f"""
        DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
            END IF;
            IF NOT pg_has_role(current_user, '{APP_ROLE}', 'MEMBER') THEN
                GRANT {APP_ROLE} TO CURRENT_USER;
            END IF;
        END $$
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON users, vehicles, fuel_entries, "
        f"login_attempts TO {APP_ROLE}"
    )
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")

    for table in ("vehicles", "fuel_entries"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_owner ON {table} "
            f"USING (user_id = {USER_ID}) WITH CHECK (user_id = {USER_ID})"
        )
    op.execute("ALTER TABLE users ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE users FORCE ROW LEVEL SECURITY")
    account = f"(id = {USER_ID} OR lower(username) = {LOGIN_NAME})"
    op.execute(f"CREATE POLICY users_self ON users USING {account} WITH CHECK {account}")


def downgrade() -> None:
    op.execute("DROP POLICY IF EXISTS users_self ON users")
    for table in ("vehicles", "fuel_entries"):
        op.execute(f"DROP POLICY IF EXISTS {table}_owner ON {table}")
    for table in ("users", "vehicles", "fuel_entries"):
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    op.execute(f"REVOKE ALL ON users, vehicles, fuel_entries, login_attempts FROM {APP_ROLE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
