using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

public class ConcurrencyTests
{
    [Fact]
    public async Task ConcurrentRequests_NeverSeeEachOthersKeys()
    {
        const int requests = 64;
        const int recordsEach = 20;
        using var receiver = new PullReceiver();
        var ids = new string[requests];
        DistlogStatistics stats;
        var logging = new TestLogging(receiver.Endpoint);
        {
            var logger = logging.Logger("Server");
            // A gate that is awaited, not waited on: blocked pool threads would starve NetMQ's socket I/O.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var work = Enumerable.Range(0, requests).Select(n => Task.Run(async () =>
            {
                await start.Task;
                using var request = logger.BeginTask("request {N}", new { request = n }, n);
                ids[n] = request.Id;
                for (int i = 0; i < recordsEach; i++)
                {
                    logger.LogInformation("step {I} of request {N}", i, n);
                    await Task.Yield();
                    if (i == recordsEach / 2)
                    {
                        using var sub = logger.BeginSubtask("inner {N}", new { request = n, inner = true }, n);
                        await Task.Delay(1);
                        logger.LogInformation("inner step of request {N}", n);
                    }
                }
            })).ToArray();
            start.SetResult();
            await Task.WhenAll(work);
            logging.Dispose();
            stats = logging.Provider.Statistics;
        }

        int perRequest = recordsEach + 2 + 3;
        Assert.True(stats.Sent == requests * perRequest, stats.ToString() + string.Join("; ", logging.SelfLogLines));
        var records = receiver.Take(requests * perRequest, TimeSpan.FromSeconds(60)).Select(r => r.Record).ToList();
        var byScope = records.GroupBy(r => r.Context!.ParsedKey!.Value.ScopeId).ToDictionary(g => g.Key, g => g.ToList());
        for (int n = 0; n < requests; n++)
        {
            var outer = byScope[ids[n]];
            var inner = byScope[ids[n] + "/1"];
            Assert.Equal(recordsEach + 2, outer.Count);
            Assert.Equal(3, inner.Count);
            Assert.Equal(Enumerable.Range(0, outer.Count).Select(i => (long)i), outer.Select(r => r.Context!.ParsedKey!.Value.Seq).Order());
            Assert.All(outer.Concat(inner), r => Assert.Equal((long)n, r.Data("request")));
            Assert.All(outer.Concat(inner).Where(r => r.Arg("N") is not null), r => Assert.Equal((long)n, r.Arg("N")));
        }

        Assert.Equal(requests * 2, byScope.Count);
    }

    [Fact]
    public void CurrentTask_FlowsIntoTasksStartedInside_ButNotBackOut()
    {
        using var receiver = new PullReceiver();
        using var logging = new TestLogging(receiver.Endpoint);
        var logger = logging.Logger();
        DistlogTask? inChild = null;
        using (var job = logger.BeginTask("outer"))
        {
            Task.Run(() => inChild = DistlogTask.Current).Wait();
            Assert.Same(job, inChild);
            StartTaskInAsyncMethod(logger).Wait();
            Assert.Same(job, DistlogTask.Current);
        }

        Assert.Null(DistlogTask.Current);

        static async Task StartTaskInAsyncMethod(ILogger logger)
        {
            await Task.Yield();
            var leaked = logger.BeginSubtask("not disposed here");
            Assert.Same(leaked, DistlogTask.Current);
        }
    }
}
