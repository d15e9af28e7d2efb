using System.Globalization;
using System.Text.Json;

namespace Distlog.Protocol.Control;

/// <summary>
/// A level rule as a person asks for it — <c>distlog level set</c>, <c>POST /api/levels</c>, the viewer — in text,
/// before distlogd checks it and gives it an id. <see cref="ToRule"/> is the one place that checks it.
/// </summary>
/// <param name="Service">A service name, or null for all.</param>
/// <param name="Host">A host name, or null for all.</param>
/// <param name="System"><c>P</c>, <c>S</c> or <c>T</c>, or null for all.</param>
/// <param name="Logger">A logger-name prefix, or null for all.</param>
/// <param name="Task">A task id (root or scope) or record key, or null.</param>
/// <param name="Level">The lowest level: <c>Trace</c> … <c>Critical</c> (any case), or a Python name or number.</param>
/// <param name="Ttl">How long the rule lasts: <c>10m</c>, <c>1h</c>…; <c>0</c> until cleared; null: 30 minutes.</param>
/// <param name="Reason">Why.</param>
/// <param name="By">Who.</param>
internal sealed record LevelRuleRequest(
    string? Service = null,
    string? Host = null,
    string? System = null,
    string? Logger = null,
    string? Task = null,
    string? Level = null,
    string? Ttl = null,
    string? Reason = null,
    string? By = null)
{
    /// <summary>How long a rule lasts when no TTL is given.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromMinutes(30);

    /// <summary>The longest TTL accepted (a longer one is a mistake; use 0 for a rule that lasts until cleared).</summary>
    public static readonly TimeSpan MaxTtl = TimeSpan.FromDays(366);

    private const int MaxSelectorLength = 256;
    private const int MaxReasonLength = 1000;

    /// <summary>Checks the request and makes the rule.</summary>
    /// <param name="id">The rule's id.</param>
    /// <param name="now">When it is set.</param>
    /// <exception cref="FormatException">Something is wrong; the message says what, in one line.</exception>
    public LevelRule ToRule(string id, DateTimeOffset now)
    {
        if (!LevelRule.TryParseLevel(Level, out int level))
        {
            throw new FormatException(Level is null
                ? "a level is required: Trace, Debug, Information, Warning, Error or Critical"
                : $"unknown level '{Level}' (known: Trace, Debug, Information, Warning, Error, Critical)");
        }

        TimeSpan? ttl = DefaultTtl;
        if (Clean(Ttl) is { } ttlText)
        {
            if (ttlText == "0")
            {
                ttl = null;
            }
            else if (!UnitDuration.TryParse(ttlText, out var parsed) || parsed > MaxTtl)
            {
                throw new FormatException($"bad TTL '{ttlText}': a duration such as 90s, 10m, 2h or 1d (at most 366d), or 0 for until cleared");
            }
            else
            {
                ttl = parsed == TimeSpan.Zero ? null : parsed;
            }
        }

        char? system = null;
        if (Clean(System) is { } systemText)
        {
            system = systemText.Length == 1 && Topic.IsValidSystem(char.ToUpperInvariant(systemText[0]))
                ? char.ToUpperInvariant(systemText[0])
                : throw new FormatException($"bad system '{systemText}': P, S or T");
        }

        string? task = null;
        if (Clean(Task) is { } taskText)
        {
            task = ForeignId.Normalize(taskText) ?? throw new FormatException($"bad task '{taskText}': a task id (root or root/n/…) or a record key");
        }

        return new LevelRule
        {
            Id = id,
            Service = Selector(Service, "service"),
            Host = Selector(Host, "host"),
            System = system,
            Logger = Selector(Logger, "logger"),
            Task = task,
            Level = level,
            ExpiresAt = ttl is { } t ? now + t : null,
            Reason = Clean(Reason) is { } reason ? Cut(reason, MaxReasonLength) : null,
            SetBy = Clean(By) is { } by ? Cut(by, MaxSelectorLength) : null,
            SetAt = now,
        };
    }

    /// <summary>Reads a request from a JSON object with the parameters' names in camel case (<c>service</c>, …,
    /// <c>ttl</c>, <c>reason</c>, <c>by</c>); strings or numbers.</summary>
    /// <exception cref="FormatException">The JSON is not such an object.</exception>
    public static LevelRuleRequest FromJson(ReadOnlySpan<byte> json)
    {
        if (!global::System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new FormatException("the body is not UTF-8");
        }

        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 4 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("the body must be a JSON object such as {\"service\": \"orders\", \"level\": \"Debug\", \"ttl\": \"10m\"}");
            }

            string? Field(string name) => root.TryGetProperty(name, out var value) ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.Null => null,
                _ => throw new FormatException($"'{name}' must be a string"),
            } : null;

            foreach (var property in root.EnumerateObject())
            {
                if (property.Name is not ("service" or "host" or "system" or "logger" or "task" or "level" or "ttl" or "reason" or "by"))
                {
                    throw new FormatException($"unknown field '{property.Name}' (known: service, host, system, logger, task, level, ttl, reason, by)");
                }
            }

            return new LevelRuleRequest(Field("service"), Field("host"), Field("system"), Field("logger"), Field("task"), Field("level"), Field("ttl"), Field("reason"), Field("by"));
        }
        catch (JsonException ex)
        {
            throw new FormatException("the body is not JSON: " + ex.Message, ex);
        }
    }

    /// <summary>Writes the request as <see cref="FromJson"/> reads it (nulls left out).</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        foreach (var (name, value) in new[] { ("service", Service), ("host", Host), ("system", System), ("logger", Logger), ("task", Task), ("level", Level), ("ttl", Ttl), ("reason", Reason), ("by", By) })
        {
            if (value is not null)
            {
                writer.WriteString(name, value);
            }
        }

        writer.WriteEndObject();
    }

    private static string? Clean(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string? Selector(string? text, string name)
    {
        if (Clean(text) is not { } value)
        {
            return null;
        }

        if (value.Length > MaxSelectorLength || value.Any(char.IsControl))
        {
            throw new FormatException($"bad {name}: at most {MaxSelectorLength.ToString(CultureInfo.InvariantCulture)} characters, no control characters");
        }

        return value;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..max];
}
