using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Distlog.Protocol;
using Distlog.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Tests;

/// <summary>W3C ids on records, tasks as activities of the "Distlog" source, and carrying a task in headers.</summary>
public sealed class TraceTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TraceTests()
    {
        // Listens to this test's own source and to distlog's, as OpenTelemetry's tracer would.
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is DistlogTask.ActivitySourceName or nameof(TraceTests),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public void Records_CarryTheCurrentActivitysIds_AndATaskIsASpanOfItsTrace()
    {
        using var source = new ActivitySource(nameof(TraceTests));
        using var receiver = new PullReceiver();
        Activity request;
        string taskId;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Orders");
            logger.LogInformation("outside any activity");
            using (request = source.StartActivity("handle request")!)
            {
                logger.LogInformation("in the request");
                using var task = logger.BeginTask("order {OrderId}", null, 42);
                taskId = task.Id;
                logger.LogInformation("in the task");
            }
        }

        var records = receiver.Take(5).Select(r => r.Record).ToList();
        var taskSpan = Assert.Single(_stopped, a => (string?)a.GetTagItem("distlog.task") == taskId);

        Assert.Null(records[0].TraceId);
        Assert.Null(records[0].SpanId);
        Assert.Equal((request.TraceId.ToHexString(), request.SpanId.ToHexString()), (records[1].TraceId, records[1].SpanId));

        // The root task shares the request's trace; its records (enter, inside, exit) carry its own span.
        Assert.Equal(request.TraceId, taskSpan.TraceId);
        Assert.Equal(request.SpanId, taskSpan.ParentSpanId);
        Assert.Equal("order {OrderId}", taskSpan.DisplayName);
        Assert.Equal(ActivityStatusCode.Ok, taskSpan.Status);
        Assert.All(records.Skip(2), r => Assert.Equal((request.TraceId.ToHexString(), taskSpan.SpanId.ToHexString()), (r.TraceId, r.SpanId)));
    }

    [Fact]
    public void AFailedTask_IsAnErrorSpan_WithItsException()
    {
        using var receiver = new PullReceiver();
        string taskId = "";
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Orders");
            try
            {
                using var task = logger.BeginTask("doomed");
                taskId = task.Id;
                throw new InvalidOperationException("out of stock");
            }
            catch (InvalidOperationException)
            {
            }
        }

        var span = Assert.Single(_stopped, a => (string?)a.GetTagItem("distlog.task") == taskId);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("out of stock", span.StatusDescription);
        Assert.Contains(span.Events, e => e.Name == "exception");
        Assert.Equal(TaskBoundary.Failed, receiver.Take(2)[1].Record.Task!.Status);
    }

    [Fact]
    public void MessageHeaders_CarryATaskToItsImport()
    {
        using var receiver = new PullReceiver();
        var headers = new Dictionary<string, string>();
        string callerId, importedId, orphanId;
        using (var logging = new TestLogging(receiver.Endpoint))
        {
            var logger = logging.Logger("Queue");
            using (var caller = logger.BeginTask("publish"))
            {
                callerId = caller.Id;
                caller.AddTo(headers);
            }

            using (var imported = logger.ImportTask(headers, "consume"))
            {
                importedId = imported.Id;
            }

            using var orphan = logger.ImportTask(new Dictionary<string, string>(), "consume without the header");
            orphanId = orphan.Id;
        }

        Assert.Equal($"{callerId}/1", headers[DistlogHeaders.Task]);
        Assert.Equal($"{callerId}/1", importedId);
        Assert.True(Guid.TryParse(orphanId, out _));
    }

    [Fact]
    public async Task PropagationHandler_AddsAForeignIdPerCall_InsideATaskOnly()
    {
        var seen = new List<string?>();
        using var listener = new HttpListener();
        int port;
        using (var reservation = new PortReservation())
        {
            port = reservation.Port;
        }

        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                var context = await listener.GetContextAsync();
                seen.Add(context.Request.Headers[DistlogHeaders.Task]);
                context.Response.Close();
            }
        });

        using var receiver = new PullReceiver();
        string taskId;
        using (var logging = new TestLogging(receiver.Endpoint))
        using (var http = new HttpClient(new DistlogPropagationHandler(new SocketsHttpHandler())))
        {
            var logger = logging.Logger("Client");
            var uri = new Uri($"http://127.0.0.1:{port}/");
            await http.GetAsync(uri);
            using var task = logger.BeginTask("calls");
            taskId = task.Id;
            await http.GetAsync(uri);
            await http.GetAsync(uri);
        }

        await serving.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal([null, $"{taskId}/1", $"{taskId}/2"], seen);
    }

    public void Dispose() => _listener.Dispose();
}
