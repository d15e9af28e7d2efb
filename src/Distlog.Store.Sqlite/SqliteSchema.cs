using Microsoft.Data.Sqlite;

namespace Distlog.Store.Sqlite;

/// <summary>The tables, indexes and full-text index of a distlog SQLite store; created when missing.</summary>
internal static class SqliteSchema
{
    public const int Version = 2;

    private const string Create = """
        CREATE TABLE IF NOT EXISTS records (
            id       INTEGER PRIMARY KEY,
            created  REAL    NOT NULL,
            received REAL    NOT NULL,
            level    INTEGER NOT NULL,
            logger   TEXT,
            system   TEXT    NOT NULL,
            hostname TEXT,
            service  TEXT,
            message  TEXT,
            root_id  TEXT,
            scope_id TEXT,
            seq      INTEGER,
            keep     INTEGER NOT NULL DEFAULT 0,
            body     TEXT    NOT NULL,
            delivery TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_records_task    ON records (root_id, scope_id, seq) WHERE root_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ix_records_created ON records (created);
        CREATE INDEX IF NOT EXISTS ix_records_level   ON records (level, created);
        CREATE INDEX IF NOT EXISTS ix_records_keep    ON records (keep, created);
        CREATE UNIQUE INDEX IF NOT EXISTS ix_records_delivery ON records (delivery) WHERE delivery IS NOT NULL;
        CREATE VIRTUAL TABLE IF NOT EXISTS records_fts USING fts5 (message, content = 'records', content_rowid = 'id');
        CREATE TRIGGER IF NOT EXISTS records_fts_insert AFTER INSERT ON records BEGIN
            INSERT INTO records_fts (rowid, message) VALUES (new.id, new.message);
        END;
        CREATE TRIGGER IF NOT EXISTS records_fts_delete AFTER DELETE ON records BEGIN
            INSERT INTO records_fts (records_fts, rowid, message) VALUES ('delete', old.id, old.message);
        END;
        """;

    public const string Insert = """
        INSERT OR IGNORE INTO records (created, received, level, logger, system, hostname, service, message, root_id, scope_id, seq, keep, body, delivery)
        VALUES ($created, $received, $level, $logger, $system, $hostname, $service, $message, $root_id, $scope_id, $seq, $keep, $body, $delivery)
        """;

    /// <summary>Opens a connection for writing and makes the schema; WAL lets readers work while it writes.</summary>
    public static SqliteConnection OpenForWriting(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;");
        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA user_version";
        long version = (long)check.ExecuteScalar()!;
        if (version > Version)
        {
            throw new InvalidOperationException($"'{path}' was made by a newer distlog (schema {version}; this one knows {Version})");
        }

        if (version == 1)
        {
            // Schema 1 had no delivery identity: records stored before it simply have none.
            Execute(connection, "ALTER TABLE records ADD COLUMN delivery TEXT;");
        }

        Execute(connection, Create + $"PRAGMA user_version = {Version};");
        return connection;
    }

    /// <summary>Opens a connection for reading; it never creates the file.</summary>
    public static SqliteConnection OpenForReading(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
        }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA busy_timeout = 5000;");
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
