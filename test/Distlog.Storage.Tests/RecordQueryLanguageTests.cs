using Distlog.Protocol;
using Distlog.Query;
using Xunit;

namespace Distlog.Storage.Tests;

/// <summary>The query language of the viewer's box, the API's <c>q=</c> and <c>distlog query</c>.</summary>
public class RecordQueryLanguageTests
{
    [Fact]
    public void TheReadmesExample_ReadsAsItsConditions()
    {
        var q = RecordQueryLanguage.Parse("level>=warning service:orders \"payment failed\" user=leo");

        Assert.Equal(Levels.Warning, q.MinLevel);
        Assert.Null(q.MaxLevel);
        Assert.Equal("orders", q.Service);
        Assert.Equal(["payment failed"], q.Phrases);
        Assert.Equal([new KeyValuePair<string, string>("user", "leo")], q.Context);
        Assert.Empty(q.Not);
    }

    [Fact]
    public void Negations_FieldsWordsAndTimes_AreRead()
    {
        var q = RecordQueryLanguage.Parse("-service:billing -\"health check\" -user=bot region!=eu host:\"web 1\" logger:Shop. system:s task:abc from:15m level<error timeout");

        Assert.Equal([("billing", null, null), (null, "health check", null), (null, null, "user"), (null, null, "region")],
            q.Not.Select(n => (n.Service, n.Phrases.Count > 0 ? n.Phrases[0] : null, n.Context.Count > 0 ? n.Context[0].Key : (string?)null)));
        Assert.Equal(("web 1", "Shop.", 'S', "abc", Levels.Error - 1, "timeout"), (q.Hostname, q.LoggerPrefix, q.System, q.Task, q.MaxLevel, q.Text));
        Assert.InRange(q.From!.Value, DateTimeOffset.UtcNow.AddMinutes(-16), DateTimeOffset.UtcNow.AddMinutes(-14));
    }

    [Fact]
    public void Matching_FollowsPhrasesAndNegations()
    {
        var record = new LogRecord { Message = "Payment failed for order 42", LevelNo = Levels.Error, Service = "orders", Context = new RecordContext("0@r", [new("user", "leo")]) };

        Assert.True(RecordQueryLanguage.Parse("\"payment failed\" level>=warning user=leo").Matches('P', record));
        Assert.False(RecordQueryLanguage.Parse("\"failed payment\"").Matches('P', record));
        Assert.False(RecordQueryLanguage.Parse("-service:orders").Matches('P', record));
        Assert.True(RecordQueryLanguage.Parse("-service:billing -user=bob").Matches('P', record));
        Assert.False(RecordQueryLanguage.Parse("user!=leo").Matches('P', record));
        Assert.True(RecordQueryLanguage.Parse("  ").Matches('P', record));
    }

    [Theory]
    [InlineData("level>=loud", "query: 'level>=loud' (column 1): wants a level name")]
    [InlineData("oops:1", "query: 'oops:1' (column 1): unknown field 'oops:'")]
    [InlineData("a \"unclosed", "query: the quote at column 3 is not closed")]
    [InlineData("service:a service:b", "query: 'service:b' (column 11): service is given twice")]
    [InlineData("-from:1h", "query: '-from:1h' (column 1): a time cannot be negated")]
    [InlineData("from:yesterday", "query: 'from:yesterday' (column 1): from wants a time")]
    [InlineData("system:X", "query: 'system:X' (column 1): system must be P, S or T")]
    [InlineData("=5", "query: '=5' (column 1): a context term is NAME=VALUE")]
    [InlineData("...", "query: '...' (column 1): not a word")]
    public void AWrongQuery_IsOneLineSayingWhichTermAndWhy(string text, string start)
    {
        var error = Assert.Throws<FormatException>(() => RecordQueryLanguage.Parse(text));

        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
