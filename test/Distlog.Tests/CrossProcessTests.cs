using Distlog.Tests.Shared;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

public class CrossProcessTests
{
    [Fact]
    public void ImportTask_InAnotherProcess_HangsUnderCallersTree()
    {
        using var receiver = new PullReceiver();
        string foreign;
        string subtaskId;
        string callerId;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Caller");
            using var job = logger.BeginTask("handle request", new { user = "leo" });
            callerId = job.Id;
            using (var sub = logger.BeginSubtask("call backend"))
            {
                subtaskId = sub.Id;
                foreign = sub.GetForeignTask();
                var (exitCode, stdout, stderr) = ChildProcess.Run("Distlog.Tests.Peer", "import", receiver.Endpoint, foreign);
                Assert.True(exitCode == 0, stderr);
                Assert.Contains("peer done", stdout, StringComparison.Ordinal);

                // The id handed out is reserved: the next local subtask gets the following number.
                using var next = logger.BeginSubtask("after the call");
                Assert.Equal($"{subtaskId}/2", next.Id);
            }
        }

        // The reserved id is a child of *this* subtask (the original returned the parent's).
        Assert.Equal($"{callerId}/1/1", foreign);

        var all = receiver.Take(12).Select(r => r.Record).ToList();
        var remote = all.Where(r => r.Service == "peer").ToList();
        var local = all.Where(r => r.Service == "tests").ToList();
        Assert.Equal(6, remote.Count);
        Assert.Equal(6, local.Count);
        Assert.NotEqual(local[0].Process, remote[0].Process);

        Assert.Equal(
            [$"0@{foreign}", $"1@{foreign}", $"0@{foreign}/1", $"1@{foreign}/1", $"2@{foreign}/1", $"2@{foreign}"],
            remote.Select(r => r.Key()));
        Assert.Equal(["continued processing", "working on remote item", "remote subtask", "inside remote subtask", "DONE remote subtask", "remote part done"],
            remote.Select(r => r.Message));
        Assert.Equal("peer-host", remote[0].Data("host"));
        Assert.All(remote, r => Assert.Equal(callerId, r.Context!.ParsedKey!.Value.RootId));
    }

    [Fact]
    public void SeedTutorialSample_AsAProcess_PrintsTheSeedsOutput_AndDeliversEveryRecord()
    {
        using var receiver = new PullReceiver();

        var (exitCode, stdout, stderr) = ChildProcess.Run("Distlog.Samples.Tutorial", receiver.Endpoint);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal("into task\ninto subtask\nall done\n", stdout.Replace("\r\n", "\n", StringComparison.Ordinal));
        var records = receiver.Take(7).Select(r => r.Record).ToList();
        string id = records[0].Context!.ParsedKey!.Value.ScopeId;
        Assert.Equal([$"0@{id}", $"1@{id}", $"0@{id}/1", $"1@{id}/1", $"2@{id}/1", $"2@{id}", null], records.Select(r => r.Key()));
        Assert.Equal(["toplevel", "into task", "subtask", "into task", "subtask done", "DONE toplevel", "all done"], records.Select(r => r.Message));
        Assert.Equal("leo", records[1].Data("user"));
        Assert.Equal(42L, records[3].Data("arg"));
        Assert.All(records, r => Assert.Equal("INFO", r.LevelName));
    }

    [Fact]
    public void ProcessThatExitsRightAfterLogging_DeliversEverything()
    {
        using var receiver = new PullReceiver();

        var (exitCode, _, stderr) = ChildProcess.Run("Distlog.Tests.Peer", "flood", receiver.Endpoint, "20000");

        Assert.True(exitCode == 0, stderr);
        var records = receiver.Take(20_002, TimeSpan.FromSeconds(60)).Select(r => r.Record).ToList();
        var indexes = records.Where(r => r.Arg("Index") is long).Select(r => (long)r.Arg("Index")!).ToList();
        Assert.Equal(Enumerable.Range(0, 20_000).Select(i => (long)i), indexes);
        Assert.True(receiver.Batches > 0, "a burst should travel in batches");
    }
}
