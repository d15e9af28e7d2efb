using Distlog.Protocol;
using Distlog.Query;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>The tree builder every store shares, on records made by hand for the cases the corpus lacks.</summary>
public class TaskTreeTests
{
    private static StoredRecord R(string key, string message = "m") =>
        new(Guid.NewGuid().ToString("N"), 'P', new LogRecord { Message = message, Context = new RecordContext(key, []) });

    private static StoredRecord B(string key, string message, string boundary, string status, int level = Levels.Info, double created = 0) =>
        new(Guid.NewGuid().ToString("N"), 'P', new LogRecord
        {
            Message = message, LevelNo = level, Created = created, Context = new RecordContext(key, []),
            Task = new TaskBoundary(boundary, status, boundary == TaskBoundary.Exit ? 5.0 : null),
        });

    [Fact]
    public void ATaskThatSucceeded_WithAFailedSubtaskOrAnErrorInside_IsListedAsSucceededWithErrors()
    {
        var clean = TaskTree.Build("r", [B("0@r", "job", TaskBoundary.Enter, TaskBoundary.Running), R("1@r", "working"), B("2@r", "DONE job", TaskBoundary.Exit, TaskBoundary.Succeeded)]);
        var withFailure = TaskTree.Build("r", [
            B("0@r", "job", TaskBoundary.Enter, TaskBoundary.Running), B("0@r/1", "step", TaskBoundary.Enter, TaskBoundary.Running),
            B("1@r/1", "FAILED step", TaskBoundary.Exit, TaskBoundary.Failed, Levels.Error), B("1@r", "DONE job", TaskBoundary.Exit, TaskBoundary.Succeeded)]);
        var failed = TaskTree.Build("r", [B("0@r", "job", TaskBoundary.Enter, TaskBoundary.Running), B("1@r", "FAILED job", TaskBoundary.Exit, TaskBoundary.Failed, Levels.Error)]);

        Assert.Equal((TaskBoundary.Succeeded, 0L), (TaskSummary.Of(clean).Status, TaskSummary.Of(clean).Errors));
        Assert.Equal((TaskSummary.SucceededWithErrors, 1L), (TaskSummary.Of(withFailure).Status, TaskSummary.Of(withFailure).Errors));
        Assert.Equal(TaskBoundary.Failed, TaskSummary.Of(failed).Status);
    }

    [Fact]
    public void AScopeOfTheOriginalClient_WithoutItsClosingRecord_IsStillRunning()
    {
        // Record 0 titles it; its last record is neither "DONE toplevel" nor followed by the parent's.
        var tree = TaskTree.Build("r", [R("0@r", "toplevel"), R("1@r", "into task"), R("0@r/1", "subtask"), R("1@r/1", "working")]);

        Assert.Equal("toplevel", tree.Root.Enter?.Record.Message);
        Assert.Equal(TaskBoundary.Running, tree.Root.Status);
        Assert.Equal(TaskBoundary.Running, tree.Root.Children[0].Status);
        Assert.Null(tree.Root.ElapsedMs);
    }

    [Fact]
    public void MissingMiddleScopes_AreMade_SoEveryScopeHangsUnderTheRoot()
    {
        var tree = TaskTree.Build("r", [R("0@r"), R("0@r/4/2", "deep")]);

        var four = Assert.Single(tree.Root.Children);
        Assert.Equal("r/4", four.Id);
        Assert.Empty(four.Records);
        Assert.Equal("deep", Assert.Single(Assert.Single(four.Children).Records).Record.Message);
        Assert.Equal(TaskBoundary.Running, four.Status);
    }

    [Fact]
    public void Children_AreInNumericOrder_AndRepeatedKeysCountOnce()
    {
        var tree = TaskTree.Build("r", [R("0@r/10"), R("0@r/2"), R("0@r/1"), R("1@r", "first"), R("1@r", "again"), R("0@r")]);

        Assert.Equal(["r/1", "r/2", "r/10"], tree.Root.Children.Select(c => c.Id));
        Assert.Equal(5, tree.RecordCount);
        Assert.Equal(["m", "first"], tree.Root.Records.Select(r => r.Record.Message));
        Assert.Empty(tree.Gaps);
    }

    [Fact]
    public void RecordsOfOtherRootsAndWithoutKeys_AreLeftOut_AndGapsCountWhatIsMissing()
    {
        var tree = TaskTree.Build("r", [R("0@r"), R("5@r"), R("0@other"), new StoredRecord("x", 'P', new LogRecord { Message = "outside" })]);

        Assert.Equal(2, tree.RecordCount);
        var gap = Assert.Single(tree.Root.Gaps);
        Assert.Equal(new SeqGap(0, 5), gap);
        Assert.Equal(4, gap.Missing);
    }

    [Theory]
    [InlineData("3@abc/1/2", "abc")]
    [InlineData("abc/1", "abc")]
    [InlineData(" abc ", "abc")]
    public void TaskIds_AnyKeyOrIdNamesItsRoot(string text, string root) => Assert.Equal(root, TaskIds.RootOf(text));
}
