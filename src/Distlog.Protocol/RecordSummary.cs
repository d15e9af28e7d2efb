namespace Distlog.Protocol;

/// <summary>
/// The fields a record is routed and indexed by — logger, level, time, host, service and task context — which the
/// daemon reads from a JSON record without building the rest of it
/// (<see cref="MessageDecoder.Scan(IReadOnlyList{byte[]}, int, IRecordCodec?)"/>).
/// </summary>
/// <param name="Name">Logger name (<c>name</c>).</param>
/// <param name="LevelNo">Level number (<c>levelno</c>, or derived from <c>levelname</c> as the decoder does).</param>
/// <param name="LevelName">Level name (<c>levelname</c>, or derived from <c>levelno</c>).</param>
/// <param name="Created">Unix time in seconds (<c>created</c>).</param>
/// <param name="Hostname">Host name (<c>hostname</c>).</param>
/// <param name="Service">Service name (<c>service</c>).</param>
/// <param name="Context">The task key and data (<c>context</c>).</param>
public readonly record struct RecordSummary(string? Name, int LevelNo, string? LevelName, double Created, string? Hostname, string? Service, RecordContext? Context)
{
    /// <summary>The summary of a record already built.</summary>
    public static RecordSummary Of(LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return new(record.Name, record.LevelNo, record.LevelName, record.Created, record.Hostname, record.Service, record.Context);
    }

    /// <summary>A record holding only these fields (and the level's name).</summary>
    public LogRecord ToRecord() => new()
    {
        Name = Name,
        LevelNo = LevelNo,
        LevelName = LevelName ?? Levels.NameOf(LevelNo),
        Created = Created,
        Hostname = Hostname,
        Service = Service,
        Context = Context,
    };
}
