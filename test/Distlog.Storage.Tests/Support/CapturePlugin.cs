using System.Collections.Concurrent;
using Distlog.Plugins;

namespace Distlog.Storage.Tests.Support;

/// <summary>A plugin that keeps what the daemon hands it, so tests get records exactly as a store plugin would.</summary>
internal sealed class CapturePlugin : IDistlogPlugin
{
    private readonly ConcurrentQueue<ReceivedRecord> _records = new();

    public IReadOnlyCollection<ReceivedRecord> Records => _records;

    public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken)
    {
        foreach (var record in batch)
        {
            _records.Enqueue(record);
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
