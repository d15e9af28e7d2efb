using Distlog.Protocol;
using Distlog.Query;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>The tree builder every store shares, on records made by hand for the cases the corpus lacks.</summary>
public class TaskTreeTests
{
    private static StoredRecord R(string key, string message = "m") =>
        new(Guid.NewGuid().ToString("N"), 'P', new LogRecord { Message = message, Context = new RecordContext(key, []) });

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
