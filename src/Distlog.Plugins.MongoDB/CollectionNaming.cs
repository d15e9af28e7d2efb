using System.Text.RegularExpressions;
using Distlog.Protocol;

namespace Distlog.Plugins.MongoDB;

/// <summary>
/// The <c>collection</c> setting: a name, or a template with <c>{system}</c> (P, S, T) and/or <c>{service}</c>,
/// so production, staging and test — or each service — get a collection of their own.
/// </summary>
internal sealed partial class CollectionNaming
{
    private readonly Regex _pattern;

    public CollectionNaming(string template)
    {
        ArgumentException.ThrowIfNullOrEmpty(template);
        Template = template;
        string pattern = "^" + Regex.Escape(template).Replace(@"\{system}", "(?<system>[PST])", StringComparison.Ordinal)
            .Replace(@"\{service}", "(?<service>.+)", StringComparison.Ordinal) + "$";
        _pattern = new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        IsFixed = !template.Contains('{', StringComparison.Ordinal);
    }

    public string Template { get; }

    /// <summary>Whether every record goes to the one collection <see cref="Template"/>.</summary>
    public bool IsFixed { get; }

    /// <summary>The collection of a record; a record without a service goes to <c>unknown</c>'s.</summary>
    public string For(char system, LogRecord record) =>
        Template.Replace("{system}", system.ToString(), StringComparison.Ordinal)
            .Replace("{service}", Sanitize(record.Service), StringComparison.Ordinal);

    /// <summary>Whether <paramref name="name"/> is one of this template's collections (and of <paramref name="system"/>, when given).</summary>
    public bool Matches(string name, char? system)
    {
        var match = _pattern.Match(name);
        return match.Success && (system is null || !match.Groups["system"].Success || match.Groups["system"].Value[0] == system);
    }

    /// <summary>Collection names may not hold '$' or NUL and should stay short and readable.</summary>
    private static string Sanitize(string? service)
    {
        if (string.IsNullOrEmpty(service))
        {
            return "unknown";
        }

        string clean = Unsafe().Replace(service, "_");
        return clean.Length > 64 ? clean[..64] : clean;
    }

    [GeneratedRegex(@"[^A-Za-z0-9_.\-]")]
    private static partial Regex Unsafe();
}
