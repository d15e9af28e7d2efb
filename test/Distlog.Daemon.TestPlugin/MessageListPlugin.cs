using Distlog.Plugins;

namespace Distlog.Daemon.TestPlugin;

/// <summary>Appends each record's message, one per line, to the file named by the <c>out</c> setting.</summary>
public sealed class MessageListPlugin : IDistlogPlugin
{
    private readonly string _out;
    private readonly string _prefix;

    public MessageListPlugin(PluginSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _out = settings.GetRequiredString("out");
        _prefix = settings.GetString("prefix", string.Empty)!;
    }

    public bool Match(ReceivedRecord record) => record?.Record.Message?.StartsWith(_prefix, StringComparison.Ordinal) == true;

    public async Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken) =>
        await File.AppendAllLinesAsync(_out, batch.Select(r => r.Record.Message ?? string.Empty), cancellationToken).ConfigureAwait(false);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
