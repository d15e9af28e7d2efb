namespace Distlog.Daemon.Receiving;

/// <summary>
/// <c>peer_limit:</c> — records per second per peer, as token buckets: each peer may send <c>burst</c> records at
/// once and <c>records_per_second</c> on average. A message is let in while its peer's bucket is not empty, then its
/// records are taken from it (so a bucket can go below zero by one message's records, and refuses until it refills).
/// A peer is a CURVE client's name (its clients-file entry), else a session's instance, else the endpoint. Receiving
/// thread only.
/// </summary>
internal sealed class PeerLimiter(double perSecond, double burst, TimeProvider? time = null)
{
    private const int MaxPeers = 10_000;
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Whether a message of <paramref name="peer"/> may come in now.</summary>
    public bool Allows(string peer) => Refill(peer).Tokens > 0;

    /// <summary>Takes <paramref name="records"/> from <paramref name="peer"/>'s bucket.</summary>
    public void Charge(string peer, int records) => Refill(peer).Tokens -= records;

    private Bucket Refill(string peer)
    {
        long now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(peer, out var bucket))
        {
            if (_buckets.Count >= MaxPeers)
            {
                // Forget the peers whose buckets are full again: they are as new.
                foreach (string idle in _buckets.Where(b => b.Value.Tokens + Seconds(b.Value.Stamp, now) * perSecond >= burst).Select(b => b.Key).ToList())
                {
                    _buckets.Remove(idle);
                }
            }

            bucket = new Bucket { Tokens = burst, Stamp = now };
            _buckets[peer] = bucket;
            return bucket;
        }

        bucket.Tokens = Math.Min(burst, bucket.Tokens + Seconds(bucket.Stamp, now) * perSecond);
        bucket.Stamp = now;
        return bucket;
    }

    private double Seconds(long from, long to) => _time.GetElapsedTime(from, to).TotalSeconds;

    private sealed class Bucket
    {
        public double Tokens;
        public long Stamp;
    }
}
