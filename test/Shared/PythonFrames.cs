using Distlog.Protocol;

namespace Distlog.Tests.Shared;

/// <summary>Records as the original Python client sends them (topic <c>PLJ</c>): the seed's JSON record with Python's
/// fields, no <c>service</c> and no <c>task</c>. Compiled into the test projects that need them.</summary>
internal static class PythonFrames
{
    /// <summary>The seed's tutorial under <paramref name="rootId"/>: its scopes end with "subtask done" (a success
    /// message, after which the parent logs on) and "DONE toplevel"; each element is one message's body.</summary>
    public static List<byte[]> Tutorial(string rootId)
    {
        (string Key, string Message, object? Data)[] records =
        [
            ($"0@{rootId}", "toplevel", "leo"), ($"1@{rootId}", "into task", "leo"),
            ($"0@{rootId}/1", "subtask", 42L), ($"1@{rootId}/1", "into task", 42L), ($"2@{rootId}/1", "subtask done", 42L),
            ($"2@{rootId}", "DONE toplevel", "leo"),
        ];
        double start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var bodies = new List<byte[]>();
        for (int i = 0; i < records.Length; i++)
        {
            var (key, message, data) = records[i];
            var record = new LogRecord
            {
                Context = new RecordContext(key, [new(data is string ? "user" : "arg", data)]),
                Name = "root", Msg = message, Message = message, LevelNo = Levels.Info, LevelName = "INFO",
                Created = start + (i * 0.001), Msecs = 148.0, RelativeCreated = 12.5 + i, AscTime = "2018-04-18 23:03:19,148",
                Hostname = "obelix", Process = 6156, ProcessName = "MainProcess", Thread = 140_000, ThreadName = "MainThread",
                Pathname = "/home/leo/example.py", Filename = "example.py", Module = "example", FuncName = "main", Lineno = 12 + i,
                Extra = [new("taskName", null)],
            };
            var body = new System.Buffers.ArrayBufferWriter<byte>();
            JsonRecordCodec.Default.Encode(record, body);
            bodies.Add(body.WrittenSpan.ToArray());
        }

        return bodies;
    }
}
