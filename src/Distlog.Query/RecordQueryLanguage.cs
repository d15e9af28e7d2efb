using System.Text;

namespace Distlog.Query;

/// <summary>
/// The query language of the viewer's box, the API's <c>q=</c> and <c>distlog query '…'</c>: terms separated by
/// spaces, all of which must hold.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>level&gt;=warning</c> (also <c>&gt;</c>, <c>&lt;=</c>, <c>&lt;</c>, <c>=</c>): the level, by name or number.</item>
/// <item><c>service:orders</c>, <c>host:web1</c>, <c>logger:Shop.Orders</c> (a prefix), <c>system:P</c>,
/// <c>task:ID</c> (the task and everything below it).</item>
/// <item><c>from:15m</c>, <c>to:2026-12-04T12:00Z</c>: a time, or an age (<c>15m</c>, <c>2h</c>, <c>1d</c>).</item>
/// <item><c>user=leo</c>: a field of the task's data (<c>context</c>) equals a value; <c>user!=leo</c> the contrary.</item>
/// <item><c>payment</c>: a word of the message; <c>"payment failed"</c>: those words in a row.</item>
/// <item><c>-</c> before a term negates it: <c>-service:billing</c>, <c>-"health check"</c>, <c>-user=bot</c>.</item>
/// </list>
/// Quotes hold spaces in any value (<c>service:"my service"</c>). Words are matched whole and without regard to case.
/// </remarks>
public static class RecordQueryLanguage
{
    private static readonly string[] s_fields = ["service", "host", "logger", "system", "task", "from", "to"];

    /// <summary>Reads a query.</summary>
    /// <param name="text">The query; blank means everything.</param>
    /// <param name="assumeLocal">Whether a time without a zone is local (a terminal) rather than UTC (an API).</param>
    /// <exception cref="FormatException">The text is not a query; the message says which term and why, in one line.</exception>
    public static RecordQuery Parse(string? text, bool assumeLocal = false)
    {
        var query = new RecordQuery();
        var not = new List<RecordQuery>();
        var context = new List<KeyValuePair<string, string>>();
        var words = new List<string>();
        var phrases = new List<string>();
        foreach (var (term, quoted, column) in Terms(text ?? string.Empty))
        {
            string where = $"query: '{term.Text}' (column {column})";
            bool negated = term.Text.Length > 1 && term.Text[0] == '-' && !quoted.StartsAtZero;
            string body = negated ? term.Text[1..] : term.Text;
            RecordQuery one;
            if (quoted.IsWhole(negated))
            {
                one = new RecordQuery { Phrases = [body] };
            }
            else if (TryLevel(body, where) is { } level)
            {
                one = level;
            }
            else if (IndexOfOperator(body, out int at, out bool different) != 0)
            {
                string name = at <= 0 ? string.Empty : body[..at], value = body[(Math.Max(at, 0) + (different ? 2 : 1))..];
                if (name.Length == 0)
                {
                    throw new FormatException($"{where}: a context term is NAME=VALUE");
                }

                negated ^= different;
                one = new RecordQuery { Context = [new(name, value)] };
            }
            else if (body.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 && !quoted.Before(colon + (negated ? 1 : 0)))
            {
                one = Field(body[..colon], body[(colon + 1)..], where, negated, assumeLocal);
            }
            else
            {
                var found = RecordQuery.Words(body).ToList();
                if (found.Count == 0)
                {
                    throw new FormatException($"{where}: not a word, a \"phrase\", NAME=VALUE, level>=LEVEL or FIELD:VALUE (fields: {string.Join(", ", s_fields)})");
                }

                one = found.Count == 1 ? new RecordQuery { Text = found[0] } : new RecordQuery { Phrases = [string.Join(' ', found)] };
            }

            if (negated)
            {
                not.Add(one);
                continue;
            }

            context.AddRange(one.Context);
            phrases.AddRange(one.Phrases);
            if (one.Text is { } word)
            {
                words.Add(word);
            }

            query = Merge(query, one with { Context = [], Phrases = [], Text = null }, where);
        }

        return query with
        {
            Text = words.Count == 0 ? null : string.Join(' ', words),
            Phrases = phrases,
            Context = context,
            Not = not,
        };
    }

    /// <summary>Both queries at once: what one sets and the other does not is kept; a condition set in both (a
    /// service, say) is an error, since a record has one.</summary>
    /// <exception cref="FormatException">Both set the same condition.</exception>
    public static RecordQuery Combine(RecordQuery first, RecordQuery second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var merged = Merge(first, second with { Context = [], Phrases = [], Not = [], Text = null }, "query");
        return merged with
        {
            Text = first.Text is null ? second.Text : second.Text is null ? first.Text : first.Text + " " + second.Text,
            Phrases = [.. first.Phrases, .. second.Phrases],
            Context = [.. first.Context, .. second.Context],
            Not = [.. first.Not, .. second.Not],
        };
    }

    private static RecordQuery Merge(RecordQuery into, RecordQuery one, string where)
    {
        T? Pick<T>(T? a, T? b, string name)
            where T : struct =>
            a is not null && b is not null ? throw new FormatException($"{where}: {name} is given twice") : a ?? b;
        string? PickText(string? a, string? b, string name) =>
            a is not null && b is not null ? throw new FormatException($"{where}: {name} is given twice") : a ?? b;
        return into with
        {
            From = Pick(into.From, one.From, "from"),
            To = Pick(into.To, one.To, "to"),
            MinLevel = Pick(into.MinLevel, one.MinLevel, "the lowest level"),
            MaxLevel = Pick(into.MaxLevel, one.MaxLevel, "the highest level"),
            LoggerPrefix = PickText(into.LoggerPrefix, one.LoggerPrefix, "logger"),
            System = Pick(into.System, one.System, "system"),
            Hostname = PickText(into.Hostname, one.Hostname, "host"),
            Service = PickText(into.Service, one.Service, "service"),
            Task = PickText(into.Task, one.Task, "task"),
        };
    }

    private static RecordQuery Field(string name, string value, string where, bool negated, bool assumeLocal)
    {
        if (value.Length == 0)
        {
            throw new FormatException($"{where}: {name}: wants a value");
        }

        if (negated && name is "from" or "to")
        {
            throw new FormatException($"{where}: a time cannot be negated");
        }

        return name switch
        {
            "service" => new RecordQuery { Service = value },
            "host" => new RecordQuery { Hostname = value },
            "logger" => new RecordQuery { LoggerPrefix = value },
            "task" => new RecordQuery { Task = value },
            "system" or "from" or "to" => Classic(name, value, where, assumeLocal),
            _ => throw new FormatException($"{where}: unknown field '{name}:' (fields: {string.Join(", ", s_fields)}; put a word with ':' in quotes)"),
        };
    }

    /// <summary>What the parameters' reader makes of one value (systems and times are read one way everywhere).</summary>
    private static RecordQuery Classic(string name, string value, string where, bool assumeLocal)
    {
        try
        {
            return RecordQueryText.Parse(n => n == name ? value : null, [], assumeLocal: assumeLocal);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{where}: {ex.Message}", ex);
        }
    }

    private static RecordQuery? TryLevel(string body, string where)
    {
        if (!body.StartsWith("level", StringComparison.OrdinalIgnoreCase) || body.Length < 7)
        {
            return null;
        }

        string rest = body[5..];
        string op = rest.StartsWith(">=", StringComparison.Ordinal) || rest.StartsWith("<=", StringComparison.Ordinal) ? rest[..2]
            : rest[0] is '>' or '<' or '=' or ':' ? rest[..1] : string.Empty;
        if (op.Length == 0)
        {
            return null;
        }

        string name = rest[op.Length..];
        if (!Protocol.Levels.TryParse(name, out int level))
        {
            throw new FormatException($"{where}: wants a level name (DEBUG, INFO, WARNING, ERROR, CRITICAL) or number, got '{name}'");
        }

        return op switch
        {
            ">=" => new RecordQuery { MinLevel = level },
            ">" => new RecordQuery { MinLevel = level + 1 },
            "<=" => new RecordQuery { MaxLevel = level },
            "<" => new RecordQuery { MaxLevel = level - 1 },
            _ => new RecordQuery { MinLevel = level, MaxLevel = level },
        };
    }

    /// <summary>Where <c>=</c> or <c>!=</c> is in a term (1 or more), or 0.</summary>
    private static int IndexOfOperator(string body, out int at, out bool different)
    {
        at = body.IndexOf('=', StringComparison.Ordinal);
        different = at > 0 && body[at - 1] == '!';
        if (different)
        {
            at--;
        }

        return at < 0 ? 0 : at == 0 ? -1 : at;
    }

    /// <summary>The terms of the text: runs of non-space characters, where quotes hold spaces and are taken out.</summary>
    private static IEnumerable<(Term Term, Quotes Quoted, int Column)> Terms(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            if (char.IsWhiteSpace(text[i]))
            {
                i++;
                continue;
            }

            int column = i + 1;
            var term = new StringBuilder();
            int firstQuote = -1, lastQuote = -1;
            while (i < text.Length && !char.IsWhiteSpace(text[i]))
            {
                if (text[i] == '"')
                {
                    int end = text.IndexOf('"', i + 1);
                    if (end < 0)
                    {
                        throw new FormatException($"query: the quote at column {i + 1} is not closed");
                    }

                    if (firstQuote < 0)
                    {
                        firstQuote = term.Length;
                    }

                    term.Append(text, i + 1, end - i - 1);
                    lastQuote = term.Length;
                    i = end + 1;
                }
                else
                {
                    term.Append(text[i++]);
                }
            }

            yield return (new Term(term.ToString()), new Quotes(firstQuote, lastQuote, term.Length), column);
        }
    }

    private readonly record struct Term(string Text);

    /// <summary>Where a term's quoted part is (in the term as read, quotes taken out).</summary>
    private readonly record struct Quotes(int First, int Last, int Length)
    {
        public bool StartsAtZero => First == 0;

        /// <summary>Whether the whole term (after a leading '-') was one quoted phrase.</summary>
        public bool IsWhole(bool negated) => First == (negated ? 1 : 0) && Last == Length;

        /// <summary>Whether the character at <paramref name="index"/> was inside the quotes.</summary>
        public bool Before(int index) => First >= 0 && First <= index && index < Last;
    }
}
