using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Distlog.Plugins;

namespace Distlog.Daemon.Plugins.Export;

/// <summary>
/// The HTTP side of an export plugin (<c>seq</c>, <c>otlp</c>): one POST of a batch's body to a fixed address, with
/// the configured headers and compression; what the answer means for the batch is said by the exception it throws.
/// </summary>
/// <remarks>
/// <para>Settings: <c>url</c> (required, http or https), <c>headers</c> (<c>Name=value,Name2=value2</c>, as
/// OpenTelemetry's <c>OTEL_EXPORTER_OTLP_HEADERS</c>; put secrets in the environment: <c>${VARIABLE}</c>),
/// <c>compression</c> (<c>gzip</c> or <c>none</c>), <c>timeout</c> (default 10s).</para>
/// <para>A refused connection, a timeout, 408, 429 and 5xx mean "unreachable for now": the runner keeps the batch and
/// retries it with backoff while new records wait (<see cref="PluginUnavailableException"/>). Another answer (a 400,
/// a 401 for a wrong key) fails the batch, which the runner retries a few times and then counts as failed.</para>
/// <para>Called by the plugin's one worker at a time.</para>
/// </remarks>
internal sealed class HttpExport : IDisposable
{
    private readonly HttpClient _http;
    private readonly List<(string Name, string Value)> _headers = [];
    private readonly string _contentType;

    public HttpExport(PluginSettings settings, string path, string contentType, bool gzipByDefault, params (string Name, string? Value)[] fixedHeaders)
    {
        string url = settings.GetRequiredString("url");
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw settings.Error("url", $"'url' must be an http:// or https:// address, got '{url}'");
        }

        Address = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + path);
        _contentType = contentType;
        foreach (var (name, value) in fixedHeaders)
        {
            if (!string.IsNullOrEmpty(value))
            {
                _headers.Add((name, value));
            }
        }

        foreach (string pair in (settings.GetString("headers") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || !IsToken(pair.AsSpan(0, equals).Trim()))
            {
                throw settings.Error("headers", $"'headers' is Name=value pairs separated by commas; '{Shown(pair)}' is not one");
            }

            _headers.Add((pair[..equals].Trim(), Uri.UnescapeDataString(pair[(equals + 1)..].Trim())));
        }

        Gzip = settings.GetString("compression", gzipByDefault ? "gzip" : "none") switch
        {
            "gzip" => true,
            "none" => false,
            var other => throw settings.Error("compression", $"'compression' must be gzip or none, got '{other}'"),
        };
        var timeout = settings.GetDuration("timeout", TimeSpan.FromSeconds(10));
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = timeout > TimeSpan.Zero ? timeout : Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>Where batches go.</summary>
    public Uri Address { get; }

    public bool Gzip { get; }

    /// <summary>Posts one batch; returns when the receiver accepted it (2xx).</summary>
    public async Task PostAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Address) { Content = Content(body) };
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new PluginUnavailableException($"{Address}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PluginUnavailableException($"{Address}: no answer within {_http.Timeout.TotalSeconds:0.#} s", ex);
        }

        using (response)
        {
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            string reason = $"{Address} answered {(int)response.StatusCode} {response.ReasonPhrase}: {await Said(response, cancellationToken).ConfigureAwait(false)}";
            if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
            {
                throw new PluginUnavailableException(reason);
            }

            throw new HttpRequestException(reason, null, response.StatusCode);
        }
    }

    public void Dispose() => _http.Dispose();

    private ByteArrayContent Content(ReadOnlyMemory<byte> body)
    {
        ByteArrayContent content;
        if (Gzip)
        {
            using var packed = new MemoryStream();
            using (var gzip = new GZipStream(packed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(body.Span);
            }

            content = new ByteArrayContent(packed.GetBuffer(), 0, (int)packed.Length);
            content.Headers.ContentEncoding.Add("gzip");
        }
        else
        {
            content = new ByteArrayContent(body.ToArray());
        }

        content.Headers.ContentType = MediaTypeHeaderValue.Parse(_contentType);
        return content;
    }

    /// <summary>The start of what the receiver said, on one line.</summary>
    private static async Task<string> Said(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            text = text.ReplaceLineEndings(" ").Trim();
            return text.Length == 0 ? "(no body)" : text.Length > 200 ? text[..200] + "…" : text;
        }
        catch (HttpRequestException)
        {
            return "(no body)";
        }
    }

    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (char c in name)
        {
            if (c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c))
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    // A header may hold a secret: the error shows its name only.
    private static string Shown(string pair) => pair.Contains('=', StringComparison.Ordinal) ? pair[..pair.IndexOf('=', StringComparison.Ordinal)] + "=…" : pair;
}
