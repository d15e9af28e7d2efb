using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;

namespace Distlog.Daemon.Tests.Support;

/// <summary>A real HTTP endpoint on a loopback port standing in for Seq or a Collector: it keeps every request (its
/// body decompressed when gzip) and answers each with the next status of <see cref="Answers"/>, then 200.</summary>
internal sealed class HttpSink : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly BlockingCollection<Request> _requests = new();
    private readonly Task _serving;

    public HttpSink()
    {
        for (int attempt = 0; ; attempt++)
        {
            int port = Random.Shared.Next(20_000, 60_000);
            try
            {
                _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                _listener.Start();
                Url = $"http://127.0.0.1:{port}";
                break;
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                _listener.Prefixes.Clear();
            }
        }

        _serving = Task.Run(ServeAsync);
    }

    public string Url { get; } = "";

    /// <summary>Statuses to answer with, in turn, before answering 200.</summary>
    public ConcurrentQueue<int> Answers { get; } = new();

    /// <summary>The next request received, waiting at most 30 s.</summary>
    public Request Next()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return _requests.Take(cts.Token);
    }

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(10));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            Stream input = context.Request.Headers["Content-Encoding"] == "gzip" ? new GZipStream(context.Request.InputStream, CompressionMode.Decompress) : context.Request.InputStream;
            await input.CopyToAsync(body);
            int status = Answers.TryDequeue(out int next) ? next : 200;
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            _requests.Add(new Request(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, headers, body.ToArray(), status));
            context.Response.StatusCode = status;
            context.Response.Close();
        }
    }

    public sealed record Request(string Method, string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, int AnsweredWith);
}
