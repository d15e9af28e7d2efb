namespace Distlog.Plugins;

/// <summary>
/// A distlogd plugin: it sees every record the daemon receives, takes the ones it wants (<see cref="Match"/>, after
/// the host's declarative <c>match:</c> rules) and handles them in batches.
/// </summary>
/// <remarks>
/// The host owns queueing, batching, retries and drop accounting: each plugin has its own bounded queue and worker,
/// so a slow or failing plugin never stalls another. <see cref="HandleAsync"/> is called by one worker at a time
/// and should let exceptions propagate: the host retries the batch with backoff, then counts it as failed.
/// <see cref="Match"/> is called on the receiving thread and must be fast and not throw.
/// </remarks>
public interface IDistlogPlugin : IAsyncDisposable
{
    /// <summary>Whether the plugin wants this record. The default takes everything the rules let through.</summary>
    bool Match(ReceivedRecord record) => true;

    /// <summary>Handles a batch of records, in the order received.</summary>
    Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken);

    /// <summary>Where the plugin sends records (a path, an endpoint), for the daemon's one-line summary at start;
    /// null to show only the plugin's name.</summary>
    string? Target => null;

    /// <summary>Makes what was handled durable (flushes files, say); called before the daemon stops.</summary>
    Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
