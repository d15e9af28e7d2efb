namespace Distlog;

/// <summary>Adds the current task's foreign id to each request it sends, in the <see cref="DistlogHeaders.Task"/>
/// header, so the service called continues the task (with distlog there, it does so by itself).</summary>
/// <remarks>Clients made by <c>IHttpClientFactory</c> get it when the distlog provider is added; give it to a plain
/// <see cref="HttpClient"/> yourself: <c>new HttpClient(new DistlogPropagationHandler(new SocketsHttpHandler()))</c>.
/// Each request reserves a subtask number of the current task (<see cref="DistlogTask.GetForeignTask"/>); outside
/// any task, or when the request has the header already, the request is sent as it is.</remarks>
public sealed class DistlogPropagationHandler : DelegatingHandler
{
    /// <summary>A handler to be given its inner handler later (as <c>IHttpClientFactory</c> does).</summary>
    public DistlogPropagationHandler()
    {
    }

    /// <summary>A handler that sends through <paramref name="innerHandler"/>.</summary>
    /// <param name="innerHandler">The handler that sends the request on.</param>
    public DistlogPropagationHandler(HttpMessageHandler innerHandler)
        : base(innerHandler)
    {
    }

    /// <inheritdoc/>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        AddTask(request);
        return base.SendAsync(request, cancellationToken);
    }

    /// <inheritdoc/>
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        AddTask(request);
        return base.Send(request, cancellationToken);
    }

    private static void AddTask(HttpRequestMessage request)
    {
        if (DistlogTask.Current is { } task && !request.Headers.Contains(DistlogHeaders.Task))
        {
            request.Headers.TryAddWithoutValidation(DistlogHeaders.Task, task.GetForeignTask());
        }
    }
}
