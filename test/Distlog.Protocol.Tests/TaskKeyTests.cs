using Xunit;

namespace Distlog.Protocol.Tests;

public class TaskKeyTests
{
    private const string Root = "e252a11f-d33d-483d-ba08-bc8f642b2f10";

    [Fact]
    public void TryParse_SeedKeys_GiveSeqScopeParentAndDepth()
    {
        Assert.True(TaskKey.TryParse($"1@{Root}", out var top));
        Assert.Equal(1, top.Seq);
        Assert.Equal(Root, top.ScopeId);
        Assert.Equal(Root, top.RootId);
        Assert.Null(top.ParentId);
        Assert.Equal(0, top.Depth);

        Assert.True(TaskKey.TryParse($"2@{Root}/1/3", out var nested));
        Assert.Equal(2, nested.Seq);
        Assert.Equal($"{Root}/1/3", nested.ScopeId);
        Assert.Equal(Root, nested.RootId);
        Assert.Equal($"{Root}/1", nested.ParentId);
        Assert.Equal(2, nested.Depth);
        Assert.Equal($"2@{Root}/1/3", nested.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("@abc")]
    [InlineData("1@")]
    [InlineData("x@abc")]
    [InlineData("-1@abc")]
    [InlineData("1@/abc")]
    [InlineData("1@abc/")]
    [InlineData("1@abc//2")]
    [InlineData("no-at-sign")]
    public void TryParse_Malformed_IsRejected(string? text) => Assert.False(TaskKey.TryParse(text, out _));

    [Fact]
    public void ParentOf_WalksUpOneLevel()
    {
        Assert.Equal($"{Root}/2", TaskKey.ParentOf($"{Root}/2/5"));
        Assert.Null(TaskKey.ParentOf(Root));
    }
}
