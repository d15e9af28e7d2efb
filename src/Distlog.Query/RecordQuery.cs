using Distlog.Protocol;

namespace Distlog.Query;

/// <summary>
/// Which records to return, newest first: every condition set must hold. The same query runs against every
/// store (SQLite, Redis, MongoDB), so the viewer and the <c>distlog</c> command need not know which one answers.
/// </summary>
public sealed record RecordQuery
{
    /// <summary>The largest <see cref="Limit"/> a store honours; larger values are clamped to it.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Records created at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Records created before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Lowest level (Python level number, see <see cref="Levels"/>).</summary>
    public int? MinLevel { get; init; }

    /// <summary>Highest level.</summary>
    public int? MaxLevel { get; init; }

    /// <summary>Logger names starting with this text (ordinal).</summary>
    public string? LoggerPrefix { get; init; }

    /// <summary>The system of the topic: P, S or T.</summary>
    public char? System { get; init; }

    /// <summary>Host name, compared without case.</summary>
    public string? Hostname { get; init; }

    /// <summary>Service name.</summary>
    public string? Service { get; init; }

    /// <summary>Words that must all occur, as whole words and ignoring case, in the rendered message.</summary>
    public string? Text { get; init; }

    /// <summary>Records of this root task only: a key (<c>3@id/1</c>), a scope id or a root id.</summary>
    public string? Task { get; init; }

    /// <summary>Equality on context fields; a value compares with the field's text form (<c>true</c>, <c>42</c>).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Context { get; init; } = [];

    /// <summary>Phrases the message holds: each one's words, in a row, whole and without regard to case.</summary>
    public IReadOnlyList<string> Phrases { get; init; } = [];

    /// <summary>Conditions a record must not meet: it is left out when it satisfies every condition of any one of
    /// these (the query language's <c>-term</c>).</summary>
    public IReadOnlyList<RecordQuery> Not { get; init; } = [];

    /// <summary>How many records at most (1 to <see cref="MaxLimit"/>).</summary>
    public int Limit { get; init; } = 100;

    /// <summary>Where the page starts: the <see cref="RecordPage.NextCursor"/> of the page before; opaque, per store.</summary>
    public string? Cursor { get; init; }

    /// <summary><see cref="Limit"/> clamped to 1..<see cref="MaxLimit"/>.</summary>
    public int EffectiveLimit => Math.Clamp(Limit, 1, MaxLimit);

    /// <summary>The root id of <see cref="Task"/>, or null when no task is asked for.</summary>
    public string? TaskRootId => Task is null ? null : TaskIds.RootOf(Task);

    /// <summary>Whether <paramref name="record"/> satisfies every condition but the cursor and the limit; stores
    /// without an index for a condition filter with this, so all of them agree.</summary>
    public bool Matches(char system, LogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return MatchesSummary(system, RecordSummary.Of(record)) && (Text is null || ContainsWords(record.Message, Text)) &&
            Phrases.All(p => ContainsPhrase(record.Message, p)) && !Not.Any(n => n.Matches(system, record));
    }

    /// <summary>Whether a record with this <paramref name="summary"/> satisfies every condition but the cursor and
    /// the limit, for a query that needs no message (see <see cref="NeedsMessage"/>).</summary>
    /// <exception cref="InvalidOperationException">The query has a word or phrase condition.</exception>
    public bool Matches(char system, RecordSummary summary) => !NeedsMessage
        ? MatchesSummary(system, summary) && !Not.Any(n => n.Matches(system, summary))
        : throw new InvalidOperationException("a text condition needs the record's message: match the record, not its summary");

    /// <summary>A time as a record's <c>created</c> says it: seconds since the Unix epoch, to the tick (a millisecond is
    /// too coarse: a page of a list asks for what came before a record's own time).</summary>
    public static double UnixSeconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerSecond;

    /// <summary>Whether a condition reads the message (words, phrases, here or in <see cref="Not"/>).</summary>
    public bool NeedsMessage => Text is not null || Phrases.Count > 0 || Not.Any(n => n.NeedsMessage);

    private bool MatchesSummary(char system, in RecordSummary record)
    {
        double created = record.Created;
        if (From is { } from && created < UnixSeconds(from))
        {
            return false;
        }

        if (To is { } to && created >= UnixSeconds(to))
        {
            return false;
        }

        if ((MinLevel is { } min && record.LevelNo < min) || (MaxLevel is { } max && record.LevelNo > max))
        {
            return false;
        }

        if (LoggerPrefix is not null && !(record.Name ?? string.Empty).StartsWith(LoggerPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        if ((System is { } s && s != system) ||
            (Hostname is not null && !string.Equals(record.Hostname, Hostname, StringComparison.OrdinalIgnoreCase)) ||
            (Service is not null && !string.Equals(record.Service, Service, StringComparison.Ordinal)))
        {
            return false;
        }

        if (TaskRootId is { } root && record.Context?.ParsedKey?.RootId != root)
        {
            return false;
        }

        foreach (var (field, value) in Context)
        {
            if (!ContextValues.Equal(record.Context, field, value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The words of <paramref name="phrase"/> come in a row in <paramref name="message"/>, ignoring case —
    /// a full-text index's phrase.</summary>
    private static bool ContainsPhrase(string? message, string phrase)
    {
        var wanted = Words(phrase).ToList();
        if (wanted.Count == 0)
        {
            return true;
        }

        var words = message is null ? [] : Words(message).ToList();
        for (int start = 0; start + wanted.Count <= words.Count; start++)
        {
            int i = 0;
            while (i < wanted.Count && string.Equals(words[start + i], wanted[i], StringComparison.OrdinalIgnoreCase))
            {
                i++;
            }

            if (i == wanted.Count)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Every word of <paramref name="text"/> is a word of <paramref name="message"/>, ignoring case — the
    /// meaning the stores' full-text indexes give the text condition.</summary>
    private static bool ContainsWords(string? message, string text)
    {
        if (message is null)
        {
            return false;
        }

        var words = new HashSet<string>(Words(message), StringComparer.OrdinalIgnoreCase);
        return Words(text).All(words.Contains);
    }

    /// <summary>The words of a text condition: runs of letters and digits.</summary>
    public static IEnumerable<string> Words(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool wordChar = i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_');
            if (wordChar && start < 0)
            {
                start = i;
            }
            else if (!wordChar && start >= 0)
            {
                yield return text[start..i];
                start = -1;
            }
        }
    }
}
