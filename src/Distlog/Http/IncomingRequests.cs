using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Distlog.Http;

/// <summary>Runs each ASP.NET Core request of an application with distlog as a task: the imported piece of the
/// caller's task when the request carries <see cref="DistlogHeaders.Task"/>, else a root task of its own.</summary>
/// <remarks>
/// <para>ASP.NET Core's hosting announces a request on its <c>Microsoft.AspNetCore</c> diagnostic listener
/// (<c>HttpRequestIn.Start</c>) before it logs "Request starting", and its end (<c>HttpRequestIn.Stop</c>) after
/// "Request finished"; both run on the request's own execution flow, as the request's <see cref="Activity"/> does.
/// The task entered there is therefore current for every record of the request, the framework's included, with no
/// middleware to add. A process has one subscription; each request is handled by the instance of the application
/// that serves it (found in its services), so two applications in one process do not see each other's requests.</para>
/// <para>Thread-safe: state lives in the request's <c>HttpContext.Items</c>.</para>
/// </remarks>
internal sealed class IncomingRequests(ILoggerFactory loggers, IOptionsMonitor<DistlogOptions> options)
{
    private const string ListenerName = "Microsoft.AspNetCore";
    private const string RequestActivity = "Microsoft.AspNetCore.Hosting.HttpRequestIn";
    private const string StartEvent = RequestActivity + ".Start";
    private const string StopEvent = RequestActivity + ".Stop";
    private const string UnhandledEvent = "Microsoft.AspNetCore.Hosting.UnhandledException";

    private static readonly object s_taskKey = new();
    private static readonly object s_failureKey = new();
    private static int s_listening;

    private readonly ILogger _logger = loggers.CreateLogger("Distlog.Http");

    /// <summary>Subscribes the process, once, to ASP.NET Core's hosting events (a no-op where there is none).</summary>
    public static void Listen()
    {
        if (Interlocked.Exchange(ref s_listening, 1) == 0)
        {
            DiagnosticListener.AllListeners.Subscribe(new ListenerObserver());
        }
    }

    private void Begin(HttpContext context)
    {
        var http = options.CurrentValue.Http;
        var request = context.Request;
        if (IsIgnored(request.Path, http.IgnorePaths))
        {
            return;
        }

        string? foreign = http.ImportIncoming ? request.Headers[DistlogHeaders.Task].ToString() : null;
        object?[] args = [request.Method, request.Path.Value ?? "/"];
        DistlogTask task;
        if (!string.IsNullOrEmpty(foreign))
        {
            task = DistlogTask.BeginImported(_logger, foreign, "{Method} {Path}", args, null);
        }
        else if (http.RootTaskPerRequest)
        {
            task = DistlogTask.BeginRoot(_logger, "{Method} {Path}", args, null);
        }
        else
        {
            return;
        }

        context.Items[s_taskKey] = task;
    }

    private static void End(HttpContext context)
    {
        if (context.Items.TryGetValue(s_taskKey, out object? value) && value is DistlogTask task)
        {
            context.Items.Remove(s_taskKey);
            int status = context.Response.StatusCode;
            if (context.Items.TryGetValue(s_failureKey, out object? failure) && failure is Exception exception)
            {
                task.Fail(exception);
            }
            else if (status >= 500)
            {
                task.Fail(new HttpRequestException($"answered {status}", null, (HttpStatusCode)status));
            }
            else if (Activity.Current?.GetTagItem("http.route") is string route)
            {
                task.Success("{Method} {Route} answered {StatusCode}", context.Request.Method, route, status);
            }
            else
            {
                task.Success("{Method} {Path} answered {StatusCode}", context.Request.Method, context.Request.Path.Value ?? "/", status);
            }

            task.Dispose();
        }
    }

    private static bool IsIgnored(PathString path, IList<string> ignored)
    {
        foreach (string prefix in ignored)
        {
            if (path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The application serving <paramref name="context"/>, when it has distlog.</summary>
    private static IncomingRequests? Of(HttpContext context)
    {
        try
        {
            return context.RequestServices?.GetService(typeof(IncomingRequests)) as IncomingRequests;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private sealed class ListenerObserver : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == ListenerName)
            {
                value.Subscribe(this, static name => name is RequestActivity or StartEvent or StopEvent or UnhandledEvent);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            try
            {
                switch (value.Key)
                {
                    case StartEvent when value.Value is HttpContext context:
                        Of(context)?.Begin(context);
                        break;
                    case StopEvent when value.Value is HttpContext context:
                        End(context);
                        break;
                    case UnhandledEvent:
                        // The payload is an anonymous { httpContext, exception }.
                        if (Property(value.Value, "httpContext") is HttpContext failed && Property(value.Value, "exception") is Exception exception)
                        {
                            failed.Items[s_failureKey] = exception;
                        }

                        break;
                }
            }
            catch (Exception)
            {
                // Logging never fails a request.
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        private static object? Property(object? payload, string name) =>
            payload?.GetType().GetProperty(name)?.GetValue(payload);
    }
}
