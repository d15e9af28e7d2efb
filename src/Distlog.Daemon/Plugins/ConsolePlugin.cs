using System.Text;
using Distlog.Plugins;
using Distlog.Protocol;

namespace Distlog.Daemon.Plugins;

/// <summary>
/// <c>type: console</c> — one human-readable line per record on standard output, indented by its depth in the task
/// tree: <c>23:03:19.148 INFO     [orders] root: into task</c>, with the records of a subtask two spaces further in.
/// </summary>
/// <remarks>Settings: <c>color</c> (<c>auto</c>, the default, colours when the output is a terminal; <c>true</c>;
/// <c>false</c>). Called by one worker at a time.</remarks>
internal sealed class ConsolePlugin : IDistlogPlugin
{
    private readonly TextWriter _output;
    private readonly bool _color;
    private readonly StringBuilder _line = new(256);

    public ConsolePlugin(PluginSettings settings)
        : this(settings, Console.Out, !Console.IsOutputRedirected)
    {
    }

    internal ConsolePlugin(PluginSettings settings, TextWriter output, bool isTerminal)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _output = output;
        _color = settings.GetString("color", "auto") switch
        {
            "auto" => isTerminal,
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            var other => throw settings.Error("color", $"'color' must be auto, true or false, got '{other}'"),
        };
    }

    /// <summary>The line for one record, without colour.</summary>
    public static string Format(LogRecord record)
    {
        var line = new StringBuilder();
        Append(line, record, color: false);
        return line.ToString();
    }

    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        _line.Clear();
        foreach (var received in batch)
        {
            Append(_line, received.Record, _color);
            _line.Append('\n');
        }

        await _output.WriteAsync(_line, cancellationToken).ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void Append(StringBuilder line, LogRecord r, bool color)
    {
        var created = DateTimeOffset.FromUnixTimeMilliseconds((long)(r.Created * 1000)).ToLocalTime();
        line.Append(created.ToString("HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture)).Append(' ');
        string level = r.LevelName ?? Levels.NameOf(r.LevelNo);
        if (color)
        {
            line.Append(r.LevelNo switch
            {
                >= Levels.Error => "\u001b[31m",
                >= Levels.Warning => "\u001b[33m",
                >= Levels.Info => "\u001b[32m",
                _ => "\u001b[90m",
            });
        }

        line.Append(level.PadRight(8));
        if (color)
        {
            line.Append("\u001b[0m");
        }

        line.Append(' ');
        if (r.Context?.ParsedKey is { } key)
        {
            // A task's enter and exit records sit at the task's depth; what is logged inside it one step in.
            line.Append(' ', 2 * (key.Depth + (r.Task is null ? 1 : 0)));
        }

        if (r.Service is not null)
        {
            line.Append('[').Append(r.Service).Append("] ");
        }

        line.Append(r.Name).Append(": ").Append((r.Message ?? r.Msg ?? string.Empty).Replace("\n", "\n    ", StringComparison.Ordinal));
        if (r.ExcText is not null)
        {
            line.Append("\n    ").Append(r.ExcText.Replace("\n", "\n    ", StringComparison.Ordinal));
        }
    }
}
