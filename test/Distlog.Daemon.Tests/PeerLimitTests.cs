using Distlog.Daemon.Receiving;
using Distlog.Daemon.Tests.Support;
using Distlog.Tests.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary><c>peer_limit:</c> records per second per peer, as token buckets.</summary>
public sealed class PeerLimitTests
{
    [Fact]
    public void ABucket_LetsItsBurstThrough_ThenItsRate_AndEachPeerHasItsOwn()
    {
        var time = new FakeTimeProvider();
        var limiter = new PeerLimiter(perSecond: 100, burst: 200, time);

        Assert.True(limiter.Allows("a"));
        limiter.Charge("a", 150);
        Assert.True(limiter.Allows("a"));
        limiter.Charge("a", 100); // one message may overdraw: 200 - 250 = -50
        Assert.False(limiter.Allows("a"));
        Assert.True(limiter.Allows("b"));

        time.Advance(TimeSpan.FromMilliseconds(400)); // +40: still -10
        Assert.False(limiter.Allows("a"));
        time.Advance(TimeSpan.FromMilliseconds(200)); // +20: 10
        Assert.True(limiter.Allows("a"));

        time.Advance(TimeSpan.FromHours(1)); // refills to the burst, no more
        limiter.Charge("a", 200);
        Assert.False(limiter.Allows("a"));
    }

    [Fact]
    public async Task APeerOverItsLimit_IsRefusedAndCounted_WhileAnotherPeerIsNot_AndItsStampedRecordsComeLater()
    {
        await using var daemon = await RunningDaemon.StartAsync("peer_limit:\n  records_per_second: 200\n  burst: 600\n", topLevel: true);
        string control = daemon.Host.Control!.Endpoints[0];
        using var flood = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoint, ControlEndpoint = control, ServiceName = "flood", SelfLog = _ => { } });
        using var quiet = new DistlogLoggerProvider(new DistlogOptions { Endpoint = daemon.Endpoint, ControlEndpoint = control, ServiceName = "quiet", SelfLog = _ => { } });
        var floodLogger = flood.CreateLogger("Test");
        for (int i = 0; i < 1500; i++)
        {
            floodLogger.LogWarning("flood {Number}", i);
        }

        var quietLogger = quiet.CreateLogger("Test");
        for (int i = 0; i < 20; i++)
        {
            quietLogger.LogWarning("quiet {Number}", i);
        }

        // The flood is refused past its burst (waited for: the quiet peer's records may well be in before the flood's
        // first message is read), and the quiet peer is not held up by it.
        Wait.Until(() => daemon.Host.Statistics.RateLimited > 0, () => "the flooding peer to be refused past its limit");
        int floodStored = daemon.FileRecords().Count(r => r.Service == "flood");
        Assert.True(floodStored < 1500, $"the flooding peer stored {floodStored} of 1500 at once, past its limit");
        Wait.Until(() => daemon.FileRecords().Count(r => r.Service == "quiet") == 20, () => "the quiet peer's 20 records");

        // Its messages were not acknowledged: the client sends them again (those 5 s late, all at once: a burst's
        // worth comes in each time), and they all come in.
        Wait.Until(() => daemon.FileRecords().Count(r => r.Service == "flood") >= 1500, () => $"all of the flood ({daemon.FileRecords().Count(r => r.Service == "flood")} of 1500; the client: {flood.Statistics})", TimeSpan.FromSeconds(60));
        Assert.Equal(1500, daemon.FileRecords().Where(r => r.Service == "flood").Select(r => r.Message).Distinct().Count());
    }
}
