using Microsoft.Data.Sqlite;

namespace Distlog.Tests.Shared;

/// <summary>The records <c>record N</c> a test client logged, as a SQLite store holds them. Compiled into the
/// projects that count them (the delivery tests and harness).</summary>
internal static class StoredRecords
{
    /// <summary>All of them, their distinct delivery identities, and their distinct messages (record numbers);
    /// zeros while the store does not exist yet.</summary>
    public static (long Total, long Distinct, long Numbers) Count(string database)
    {
        if (!File.Exists(database))
        {
            return (0, 0, 0);
        }

        using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*), count(DISTINCT delivery), count(DISTINCT message) FROM records WHERE message LIKE 'record %'";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}
