using Distlog.Protocol;

namespace Distlog.Tests.Shared;

/// <summary>Reads what a file plugin wrote so far. Compiled into the test projects that run a daemon.</summary>
internal static class RecordFile
{
    /// <summary>The records of the JSON-lines file (a line still being written is left out).</summary>
    public static List<LogRecord> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var records = new List<LogRecord>();
        while (reader.ReadLine() is { } line)
        {
            try
            {
                records.Add(JsonRecordCodec.Default.Decode(System.Text.Encoding.UTF8.GetBytes(line)));
            }
            catch (RecordFormatException) when (reader.EndOfStream)
            {
                // the plugin is writing it
            }
        }

        return records;
    }
}
