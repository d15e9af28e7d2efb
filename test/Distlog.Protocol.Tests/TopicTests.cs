using System.Text;
using Xunit;

namespace Distlog.Protocol.Tests;

public class TopicTests
{
    [Theory]
    [InlineData("PLJ", 'P', 'L', 'J')]
    [InlineData("SBM", 'S', 'B', 'M')]
    [InlineData("TLP", 'T', 'L', 'P')]
    public void TryParse_KnownTopic_GivesItsParts(string text, char system, char kind, char encoding)
    {
        Assert.True(Topic.TryParse(Encoding.ASCII.GetBytes(text), out var topic, out string? error));
        Assert.Null(error);
        Assert.Equal((byte)system, topic.System);
        Assert.Equal((byte)kind, topic.Kind);
        Assert.Equal((byte)encoding, topic.Encoding);
        Assert.Equal(text, topic.ToString());
        Assert.Equal(Encoding.ASCII.GetBytes(text), topic.ToArray());
    }

    [Theory]
    [InlineData("", "3 bytes")]
    [InlineData("PLJX", "3 bytes")]
    [InlineData("XLJ", "system")]
    [InlineData("PXJ", "kind")]
    [InlineData("PLX", "encoding")]
    public void TryParse_UnknownTopic_SaysWhy(string text, string reason)
    {
        Assert.False(Topic.TryParse(Encoding.ASCII.GetBytes(text), out _, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
