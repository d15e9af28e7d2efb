using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Distlog.Protocol.Control;

/// <summary>
/// The messages of the session between a client (DEALER) and distlogd (ROUTER) on the control endpoint; see
/// docs/protocol.md. Every message is <c>[DLC1, VERB, body]</c>, the body one JSON object (empty for some verbs).
/// </summary>
/// <remarks>
/// State travels as in the ZeroMQ guide's Clone pattern: a <see cref="Snapshot"/> of every rule with its epoch
/// and version on joining, then numbered <see cref="Update"/>s; a client that sees a gap, or a
/// <see cref="Pong"/> with another epoch or version than its own, asks for a snapshot again (it says HELLO).
/// Reading never throws for bad input: <see cref="TryRead"/> says why it refused.
/// </remarks>
internal static class ControlMessage
{
    /// <summary>The first frame: the protocol and its version.</summary>
    public const string Header = "DLC1";

    /// <summary>The largest message either side reads; more is refused (and counted).</summary>
    public const int MaxBytes = 1024 * 1024;

    /// <summary>The most rules a snapshot may hold.</summary>
    public const int MaxRules = 10_000;

    // Client → daemon.
    public const string Hello = "HELLO";
    public const string Ping = "PING";
    public const string Bye = "BYE";

    // Daemon → client.
    public const string Snapshot = "SNAPSHOT";
    public const string Update = "UPDATE";
    public const string Pong = "PONG";
    public const string Who = "WHO";
    public const string Ack = "ACK";

    /// <summary>Reads the frames of one message (the ROUTER's identity frame already taken off).</summary>
    /// <returns><see langword="false"/> with <paramref name="error"/> set for anything that is not a message of this protocol.</returns>
    public static bool TryRead(IReadOnlyList<byte[]> frames, out string verb, out JsonElement body, out string? error)
    {
        verb = string.Empty;
        body = default;
        error = null;
        if (frames.Count is < 2 or > 3)
        {
            error = $"{frames.Count} frames, expected 2 or 3";
            return false;
        }

        if (!frames[0].AsSpan().SequenceEqual("DLC1"u8))
        {
            error = "not a DLC1 message";
            return false;
        }

        if (frames[1].Length is 0 or > 16)
        {
            error = "no verb";
            return false;
        }

        verb = Encoding.ASCII.GetString(frames[1]);
        if (frames.Count == 2 || frames[2].Length == 0)
        {
            return true;
        }

        if (frames[2].Length > MaxBytes)
        {
            error = $"a body of {frames[2].Length} bytes, more than {MaxBytes}";
            return false;
        }

        if (!System.Text.Unicode.Utf8.IsValid(frames[2]))
        {
            error = "the body is not UTF-8"; // JSON's parser leaves strings unchecked until they are read
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(frames[2], new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = "the body is not a JSON object";
                return false;
            }

            body = document.RootElement.Clone();
            return true;
        }
        catch (JsonException ex)
        {
            error = "the body is not JSON: " + ex.Message;
            return false;
        }
    }

    /// <summary>Encodes a message's body with <paramref name="write"/> writing one JSON object.</summary>
    public static byte[] Body(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return buffer.ToArray();
    }

    /// <summary>Writes a rule as the session and the HTTP API carry it: its fields, its level by name, and how long it
    /// has left in milliseconds (<c>expiresInMs</c>, so no two clocks need agree), with the absolute time beside it.</summary>
    public static void WriteRule(Utf8JsonWriter w, LevelRule rule, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("id", rule.Id);
        WriteOptional(w, "service", rule.Service);
        WriteOptional(w, "host", rule.Host);
        WriteOptional(w, "system", rule.System?.ToString());
        WriteOptional(w, "logger", rule.Logger);
        WriteOptional(w, "task", rule.Task);
        w.WriteString("level", LevelRule.LevelName(rule.Level));
        if (rule.ExpiresAt is { } end)
        {
            w.WriteString("expiresAt", end.UtcDateTime);
            w.WriteNumber("expiresInMs", Math.Max(0, (long)(end - now).TotalMilliseconds));
        }
        else
        {
            w.WriteNull("expiresAt");
        }

        WriteOptional(w, "reason", rule.Reason);
        WriteOptional(w, "by", rule.SetBy);
        w.WriteString("setAt", rule.SetAt.UtcDateTime);
        w.WriteEndObject();
    }

    /// <summary>Reads a rule written by <see cref="WriteRule"/>.</summary>
    /// <param name="e">The rule's object.</param>
    /// <param name="now">Now, on this side's clock.</param>
    /// <param name="relative">Whether its end is read from <c>expiresInMs</c> (the session: the sender's clock is not
    /// ours) or from <c>expiresAt</c> (distlogd's own file of rules).</param>
    /// <exception cref="FormatException">It is no such rule.</exception>
    public static LevelRule ReadRule(JsonElement e, DateTimeOffset now, bool relative)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a rule must be an object");
        }

        string? level = String(e, "level");
        if (!LevelRule.TryParseLevel(level, out int levelNo))
        {
            throw new FormatException($"a rule has an unknown level '{level}'");
        }

        DateTimeOffset? expires = null;
        if (relative && e.TryGetProperty("expiresInMs", out var ms) && ms.ValueKind == JsonValueKind.Number && ms.TryGetInt64(out long left))
        {
            expires = now + TimeSpan.FromMilliseconds(Math.Clamp(left, 0, (long)LevelRuleRequest.MaxTtl.TotalMilliseconds));
        }
        else if (String(e, "expiresAt") is { } at)
        {
            expires = DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed : throw new FormatException($"a rule has a bad expiresAt '{at}'");
        }

        string? system = String(e, "system");
        string? task = String(e, "task");
        return new LevelRule
        {
            Id = String(e, "id") is { Length: > 0 and <= 64 } id ? id : throw new FormatException("a rule needs an id"),
            Service = String(e, "service"),
            Host = String(e, "host"),
            System = system is { Length: 1 } && Topic.IsValidSystem(system[0]) ? system[0] : system is null ? null : throw new FormatException($"a rule has a bad system '{system}'"),
            Logger = String(e, "logger"),
            Task = task is null ? null : ForeignId.Normalize(task) ?? throw new FormatException("a rule has a bad task id"),
            Level = levelNo,
            ExpiresAt = expires,
            Reason = String(e, "reason"),
            SetBy = String(e, "by"),
            SetAt = String(e, "setAt") is { } setAt && DateTimeOffset.TryParse(setAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var s) ? s : now,
        };
    }

    /// <summary>Reads the rules of a <c>rules</c> array.</summary>
    /// <exception cref="FormatException">A rule is damaged, or there are too many.</exception>
    public static List<LevelRule> ReadRules(JsonElement body, DateTimeOffset now, bool relative)
    {
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("rules", out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'rules' array");
        }

        if (array.GetArrayLength() > MaxRules)
        {
            throw new FormatException($"more than {MaxRules} rules");
        }

        return array.EnumerateArray().Select(r => ReadRule(r, now, relative)).ToList();
    }

    /// <summary>A string field, or null when absent, null or not a string.</summary>
    public static string? String(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>A whole-number field, or <paramref name="fallback"/>.</summary>
    public static long Number(JsonElement e, string name, long fallback = 0) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out long n) ? n : fallback;

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
