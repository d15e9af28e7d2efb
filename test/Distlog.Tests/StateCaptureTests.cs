using System.Collections;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

/// <summary>
/// Libraries log states of their own that read live objects when enumerated or formatted (ASP.NET Core's request
/// logs read the HttpContext, disposed once the request ends). Such a record must be taken as it was at the call.
/// </summary>
public class StateCaptureTests
{
    [Fact]
    public void LibraryState_ReadingALiveObject_IsRenderedAtTheCall_NotWhenSent()
    {
        using var receiver = new PullReceiver();
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Library");
            for (int i = 0; i < 100; i++)
            {
                var request = new Request { Path = $"/orders/{i}" };
                logger.Log(LogLevel.Information, default, new RequestLog(request), null, (s, _) => s.ToString());
                request.Dispose(); // at once, as a request ends while the record waits in the queue
            }
        }

        var records = receiver.Take(100).Select(r => r.Record).ToList();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"Request finished /orders/{i}"), records.Select(r => r.Message));
        Assert.Equal("/orders/7", ((Dictionary<string, object?>)records[7].Args!)["Path"]);
    }

    private sealed class Request : IDisposable
    {
        private string? _path;

        public string Path
        {
            get => _path ?? throw new ObjectDisposedException(nameof(Request));
            set => _path = value;
        }

        public void Dispose() => _path = null;
    }

    /// <summary>Shaped like ASP.NET Core's HostingRequestFinishedLog: the values come from the request when read.</summary>
    private sealed class RequestLog(Request request) : IReadOnlyList<KeyValuePair<string, object?>>
    {
        public int Count => 2;

        public KeyValuePair<string, object?> this[int index] => index switch
        {
            0 => new("Path", request.Path),
            _ => new("{OriginalFormat}", "Request finished {Path}"),
        };

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
        {
            for (int i = 0; i < Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        public override string ToString() => "Request finished " + request.Path;
    }
}
