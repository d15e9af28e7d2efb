using Distlog.Protocol;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

public class TaskScopeTests
{
    [Fact]
    public void SeedTutorial_InProcess_GivesTheSeedsKeysMessagesAndContext()
    {
        using var receiver = new PullReceiver();
        string id;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("root");
            using (var job = logger.BeginTask("toplevel", new { user = "leo" }))
            {
                id = job.Id;
                logger.LogInformation("into task");
                using (var sub = logger.BeginSubtask("subtask", new { arg = 42 }))
                {
                    logger.LogInformation("into task");
                    sub.Success("subtask done");
                }
            }

            logger.LogInformation("all done");
        }

        var records = receiver.Take(7).Select(r => r.Record).ToList();

        Assert.True(Guid.TryParse(id, out _));
        (string? Key, string Message, int Level, string? DataName, object? DataValue)[] expected =
        [
            ($"0@{id}", "toplevel", 20, "user", "leo"),
            ($"1@{id}", "into task", 20, "user", "leo"),
            ($"0@{id}/1", "subtask", 20, "arg", 42L),
            ($"1@{id}/1", "into task", 20, "arg", 42L),
            ($"2@{id}/1", "subtask done", 20, "arg", 42L),
            ($"2@{id}", "DONE toplevel", 20, "user", "leo"),
            (null, "all done", 20, null, null),
        ];
        for (int i = 0; i < expected.Length; i++)
        {
            var (key, message, level, dataName, dataValue) = expected[i];
            var record = records[i];
            Assert.Equal(key, record.Key());
            Assert.Equal(message, record.Message);
            Assert.Equal(level, record.LevelNo);
            Assert.Equal("INFO", record.LevelName);
            Assert.Equal("root", record.Name);
            if (dataName is null)
            {
                Assert.Null(record.Context);
            }
            else
            {
                // Inner data replaces outer: only the innermost task's data is in context.
                Assert.Equal([new KeyValuePair<string, object?>(dataName, dataValue)], record.Context!.Data);
            }
        }

        Assert.Equal(new TaskBoundary("enter", "running", null), records[0].Task);
        Assert.Equal("exit", records[4].Task!.Event);
        Assert.Equal("succeeded", records[4].Task!.Status);
        Assert.True(records[5].Task!.ElapsedMs >= records[4].Task!.ElapsedMs);
        Assert.Null(records[1].Task);
    }

    [Fact]
    public void Subtasks_AreNumberedFromOnePerParent_AndNestWithoutLimit()
    {
        using var receiver = new PullReceiver();
        var ids = new List<string>();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            using var root = logger.BeginTask("root");
            using (var a = logger.BeginSubtask("a"))
            {
                ids.Add(a.Id);
                using var a1 = logger.BeginSubtask("a1");
                ids.Add(a1.Id);
                using var a11 = logger.BeginSubtask("a11");
                ids.Add(a11.Id);
                Assert.Equal(a1.Id, a11.Parent);
                Assert.Same(a11, DistlogTask.Current);
            }

            Assert.Same(root, DistlogTask.Current);
            using (var b = logger.BeginSubtask("b"))
            {
                ids.Add(b.Id);
                using var b1 = logger.BeginSubtask("b1");
                ids.Add(b1.Id);
            }

            ids.Add(root.Id);
        }

        string r = ids[^1];
        Assert.Equal([$"{r}/1", $"{r}/1/1", $"{r}/1/1/1", $"{r}/2", $"{r}/2/1", r], ids);
        Assert.Null(DistlogTask.Current);
    }

    [Fact]
    public void BindAndContext_AddDataToLaterRecords()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            using var job = logger.BeginTask("job", new Dictionary<string, object?> { ["user"] = "leo" });
            logger.LogInformation("before");
            job.Bind(new { order = 7 }).Bind("user", "ann");
            logger.LogInformation("after");

            Assert.Equal(new Dictionary<string, object?> { ["user"] = "ann", ["order"] = 7 }, job.Context);
            Assert.Null(job.Parent);
            Assert.Equal(job.Id, job.RootId);
            Assert.Equal(DistlogTaskStatus.Running, job.Status);
        }

        var records = receiver.Take(4).Select(r => r.Record).ToList();
        Assert.Equal("leo", records[1].Data("user"));
        Assert.Null(records[1].Data("order"));
        Assert.Equal("ann", records[2].Data("user"));
        Assert.Equal(7L, records[2].Data("order"));
    }

    [Fact]
    public void FormatArguments_RenderTheTaskMessage_AndTravelAsArgs()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            using var job = logging.Logger().BeginTask("counting up to {Limit}", new { job = "count up" }, 10);
        }

        var records = receiver.Take(2).Select(r => r.Record).ToList();
        Assert.Equal("counting up to 10", records[0].Message);
        Assert.Equal("counting up to {Limit}", records[0].Msg);
        Assert.Equal(10L, records[0].Arg("Limit"));
        Assert.Equal("DONE counting up to 10", records[1].Message);
    }

    [Fact]
    public void ExitByException_LogsFailedAtError_AndTheExceptionPropagates()
    {
        using var receiver = new PullReceiver();
        DistlogTask? seen = null;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            var thrown = Assert.Throws<InvalidOperationException>((Action)(() =>
            {
                using var job = logger.BeginTask("toplevel");
                using var sub = logger.BeginSubtask("risky {Step}", null, 3);
                seen = sub;
                throw new InvalidOperationException("disk on fire");
            }));
            Assert.Equal("disk on fire", thrown.Message);
            Assert.Null(DistlogTask.Current);
        }

        var records = receiver.Take(4).Select(r => r.Record).ToList();
        var failed = records[2];
        Assert.Equal("FAILED risky 3", failed.Message);
        Assert.Equal(40, failed.LevelNo);
        Assert.Equal("ERROR", failed.LevelName);
        Assert.Contains("disk on fire", failed.ExcText, StringComparison.Ordinal);
        Assert.Equal(new TaskBoundary("exit", "failed", failed.Task!.ElapsedMs), failed.Task);
        Assert.Equal($"1@{seen!.Id}", failed.Key());
        Assert.Equal(DistlogTaskStatus.Failed, seen.Status);
        Assert.Equal("FAILED toplevel", records[3].Message);
    }

    [Fact]
    public async Task ExitByException_InAsyncCode_IsDetected()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            await Assert.ThrowsAsync<TimeoutException>(async () =>
            {
                using var job = logger.BeginTask("remote call");
                await Task.Yield();
                await ThrowLaterAsync();
            });
        }

        var records = receiver.Take(2).Select(r => r.Record).ToList();
        Assert.Equal("FAILED remote call", records[1].Message);
        Assert.Contains("backend too slow", records[1].ExcText, StringComparison.Ordinal);

        static async Task ThrowLaterAsync()
        {
            await Task.Delay(1);
            throw new TimeoutException("backend too slow");
        }
    }

    [Fact]
    public void Fail_InAnExceptionFilter_MarksTheTaskWithoutCatching()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger();
            try
            {
                using var job = logger.BeginTask("filtered");
                try
                {
                    throw new FormatException("bad input");
                }
                catch (Exception ex) when (job.Fail(ex))
                {
                    Assert.Fail("Fail() must return false");
                }
            }
            catch (FormatException)
            {
            }
        }

        var exit = receiver.Take(2)[1].Record;
        Assert.Equal("FAILED filtered", exit.Message);
        Assert.Contains("bad input", exit.ExcText, StringComparison.Ordinal);
    }

    [Fact]
    public void CaughtExceptionInsideTask_DoesNotFailIt()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            using var job = logging.Logger().BeginTask("resilient");
            try
            {
                throw new IOException("transient");
            }
            catch (IOException)
            {
            }
        }

        var exit = receiver.Take(2)[1].Record;
        Assert.Equal("DONE resilient", exit.Message);
        Assert.Null(exit.ExcText);
    }

    [Fact]
    public void LibraryLoggers_OfOtherCategories_LandInTheSameTree()
    {
        using var receiver = new PullReceiver();
        string id;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            using var job = logging.Logger("App").BeginTask("request");
            id = job.Id;
            logging.Logger("System.Net.Http.HttpClient").LogInformation("Sending HTTP request {Method}", "GET");
        }

        var record = receiver.Take(2)[1].Record;
        Assert.Equal("System.Net.Http.HttpClient", record.Name);
        Assert.Equal($"1@{id}", record.Key());
    }
}
