namespace Distlog;

/// <summary>How distlog follows HTTP requests with no code of the application's (<see cref="DistlogOptions.Http"/>;
/// configuration <c>Logging:Distlog:Http</c>).</summary>
/// <remarks>
/// <para>Outgoing: every call through <c>IHttpClientFactory</c> made inside a task carries a foreign id of that task,
/// reserved for the call, in the <see cref="DistlogHeaders.Task"/> header (plain <see cref="HttpClient"/>: add a
/// <see cref="DistlogPropagationHandler"/>).</para>
/// <para>Incoming (ASP.NET Core): a request carrying that header runs, from its first record to its last
/// (ASP.NET Core's own "Request starting" and "Request finished" included), as the imported piece of the
/// caller's task; a request without it runs as a root task named after it, <c>GET /orders/42</c>.</para>
/// </remarks>
public sealed class DistlogHttpOptions
{
    /// <summary>Whether calls through <c>IHttpClientFactory</c> carry the current task (default true).</summary>
    public bool Propagate { get; set; } = true;

    /// <summary>Whether an incoming request carrying a foreign task id continues that task (default true).</summary>
    public bool ImportIncoming { get; set; } = true;

    /// <summary>Whether an incoming request without one starts a root task of its own (default true).</summary>
    public bool RootTaskPerRequest { get; set; } = true;

    /// <summary>Path prefixes whose requests get no task of their own (say <c>/health</c>, <c>/metrics</c>);
    /// matched case-insensitively at segment boundaries.</summary>
    public IList<string> IgnorePaths { get; set; } = [];
}
