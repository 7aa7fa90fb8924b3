from common.db.migrate import load_migrations


def test_migrations_are_numbered_in_order_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert all(m.sql.strip() for m in migrations)
