using System.Text.Json;
using Distlog.Protocol.Control;

namespace Distlog.Daemon.Control;

/// <summary>
/// The level rules distlogd holds: numbered changes (the Clone pattern's version, with an epoch new at each start),
/// and the file that keeps them across restarts (<c>levels_file</c>), written whole and renamed into place.
/// </summary>
/// <remarks>Owned by the control thread; <see cref="Rules"/> is an immutable copy anyone may read.</remarks>
internal sealed class LevelRuleBook(string? path)
{
    private LevelRule[] _rules = [];

    /// <summary>New at each start: a client that sees another epoch takes a new snapshot.</summary>
    public string Epoch { get; } = Guid.NewGuid().ToString("N");

    /// <summary>The number of the last change.</summary>
    public long Version { get; private set; }

    public IReadOnlyList<LevelRule> Rules => Volatile.Read(ref _rules);

    /// <summary>Reads the kept rules, less those that ended while distlogd was away.</summary>
    /// <returns>A line for the log when the file could not be read (the daemon starts without its rules then).</returns>
    public string? Load(DateTimeOffset now)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var rules = ControlMessage.ReadRules(document.RootElement, now, relative: false);
            Volatile.Write(ref _rules, [.. rules.Where(r => !r.IsExpired(now))]);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or FormatException)
        {
            return $"{path}: the kept level rules cannot be read ({ex.Message}); starting without them";
        }
    }

    public void Set(LevelRule rule)
    {
        Volatile.Write(ref _rules, [.. _rules.Where(r => r.Id != rule.Id), rule]);
        Version++;
    }

    /// <summary>Removes the rules with these ids; whether any was there.</summary>
    public bool Remove(IReadOnlyCollection<string> ids)
    {
        var next = _rules.Where(r => !ids.Contains(r.Id)).ToArray();
        if (next.Length == _rules.Length)
        {
            return false;
        }

        Volatile.Write(ref _rules, next);
        Version++;
        return true;
    }

    /// <summary>Writes the rules to the file.</summary>
    /// <returns>A line for the log when it could not be written.</returns>
    public string? Save(DateTimeOffset now)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            string temporary = path + ".tmp";
            File.WriteAllBytes(temporary, ControlMessage.Body(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("rules");
                foreach (var rule in _rules)
                {
                    ControlMessage.WriteRule(w, rule, now);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }));
            File.Move(temporary, path, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"{path}: the level rules could not be kept ({ex.Message}); they hold until distlogd stops";
        }
    }
}
