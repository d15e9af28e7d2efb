using System.Globalization;
using System.Text.Json;
using Distlog.Protocol;
using Distlog.Protocol.Control;
using Distlog.Query;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Distlog.Viewer;

/// <summary>
/// The web viewer: the page (three embedded files) and the JSON HTTP API it uses, on Kestrel.
/// <list type="bullet">
/// <item><c>GET /api/tasks?…filters&amp;limit=50</c> — the newest root tasks that have records matching the filters.</item>
/// <item><c>GET /api/tree/{keyOrId}?limit=100000[&amp;scope=scopeId][&amp;fold=N]</c> — one task's whole tree (at most
/// 100,000 records; every <c>limit</c> is clamped), or one scope and what is below it (only that is read); with
/// <c>fold</c>, when what was read holds more than N records, the subtasks below the scope sent come folded: their
/// summary, not their records.</item>
/// <item><c>GET /api/records?…filters&amp;limit=100&amp;cursor=…</c> — a page of records, newest first.</item>
/// <item><c>GET /api/live[?task=rootId][&amp;q=query][&amp;from=mark][&amp;brief=true]</c> — server-sent events, one record
/// each (with <c>brief</c>, only what the task list needs of it), as they arrive;
/// records from the journal carry their place there as the event id, and a page that comes back with
/// <c>Last-Event-ID</c> (or <c>from</c>) first gets what it missed, read from the journal's tail.</item>
/// <item><c>GET /api/levels</c>, <c>POST /api/levels</c>, <c>DELETE /api/levels/{id}</c> (or <c>?all=true</c>) — the
/// central level rules; <c>GET /api/components</c> — the clients with a live session.</item>
/// </list>
/// Filters: <c>from</c>, <c>to</c> (a time or an age such as 15m), <c>level</c>, <c>maxLevel</c>, <c>logger</c>,
/// <c>system</c>, <c>host</c>, <c>service</c>, <c>text</c>, <c>task</c>, <c>context=field=value</c> (repeatable).
/// </summary>
internal sealed class ViewerServer : IAsyncDisposable
{
    /// <summary>The most connections the viewer holds at once; a connection past them is closed at once.</summary>
    public const int MaxConnections = 256;

    private readonly WebApplication _app;

    private ViewerServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where the page is served, once started (<c>http://127.0.0.1:5080</c>).</summary>
    public string Address { get; }

    /// <summary>Starts serving <paramref name="store"/> (and <paramref name="feed"/>, live) on <paramref name="url"/>;
    /// port 0 takes a free one.</summary>
    public static Task<ViewerServer> StartAsync(string url, IRecordStore store, LiveFeed feed, CancellationToken cancellationToken = default) =>
        StartAsync(url, store, feed, null, null, null, null, cancellationToken);

    /// <summary>As the public overload, with distlogd's level control behind <c>/api/levels</c> and
    /// <c>/api/components</c> (null: those answer 503), and who may come in (null: open, on loopback).</summary>
    /// <remarks>An <c>https://</c> address is served with <paramref name="certificate"/> through Kestrel's own
    /// certificate settings (<c>Kestrel:Certificates:Default</c>: a PEM certificate and key, or a PFX whose password
    /// comes from the environment as <c>Kestrel__Certificates__Default__Password</c>). A task's trace id links to
    /// <c>traceUrl</c> with <c>{trace_id}</c> replaced (null: shown, not linked).</remarks>
    internal static async Task<ViewerServer> StartAsync(string url, IRecordStore store, LiveFeed feed, ILevelControl? control, ViewerAccess? access = null, (string Path, string? KeyPath)? certificate = null, string? traceUrl = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(feed);
        // No watching of appsettings.json (there is none): it would watch the working directory, where stores write.
        var builder = WebApplication.CreateSlimBuilder(["--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(url);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // What a client of the viewer controls is bounded: its connections, and what it may post (a level rule).
            kestrel.Limits.MaxConcurrentConnections = MaxConnections;
            kestrel.Limits.MaxRequestBodySize = 64 * 1024;
        });
        if (certificate is { } tls)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.Configuration["Kestrel:Certificates:Default:Path"] = tls.Path;
            builder.Configuration["Kestrel:Certificates:Default:KeyPath"] = tls.KeyPath;
        }

        var app = builder.Build();
        Guard(app, access ?? ViewerAccess.Open, new Uri(url).Host);
        MapPage(app);
        app.MapGet("/api/config", () => Results.Json(new { traceUrl }));
        MapApi(app, store, feed);
        MapLevels(app, control);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ViewerServer(app, address);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// In front of every path: the Host must be one the viewer answers to; with keys, a request needs one (a bearer
    /// key, or the cookie of a login), and changing anything (any method but GET) needs an admin key. A browser
    /// without a login is sent to <c>/login</c>; the API answers 401 and 403 with a one-line reason.
    /// </summary>
    private static void Guard(WebApplication app, ViewerAccess access, string boundHost)
    {
        app.Use(async (http, next) =>
        {
            if (!access.AllowsHost(http.Request.Host.Host, boundHost))
            {
                await Error(http, StatusCodes.Status400BadRequest, $"this viewer does not answer to the host '{http.Request.Host.Host}' (add it to viewer_hosts)").ConfigureAwait(false);
                return;
            }

            if (!access.RequiresKey)
            {
                await next(http).ConfigureAwait(false);
                return;
            }

            string path = http.Request.Path.Value ?? "/";
            if (path == "/login")
            {
                await LoginAsync(http, access).ConfigureAwait(false);
                return;
            }

            if (path == "/app.css")
            {
                await next(http).ConfigureAwait(false); // the login page's look: nothing to hide
                return;
            }

            string header = http.Request.Headers.Authorization.ToString();
            string? bearer = header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..].Trim() : null;
            var key = access.Match(bearer) ?? access.Session(http.Request.Cookies[ViewerAccess.Cookie]);
            if (key is null)
            {
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                {
                    http.Response.Headers.WWWAuthenticate = "Bearer";
                    await Error(http, StatusCodes.Status401Unauthorized, "an API key is needed: Authorization: Bearer KEY (one of api_keys), or log in at /login").ConfigureAwait(false);
                }
                else
                {
                    http.Response.Redirect("/login");
                }

                return;
            }

            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method) && key.Role != ViewerRole.Admin)
            {
                await Error(http, StatusCodes.Status403Forbidden, $"the key '{key.Name}' may read, not change: this needs an admin key").ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        });
    }

    /// <summary><c>GET /login</c>: the form; <c>POST /login</c> (field <c>key</c>): a session cookie and back to the
    /// page, or the form again saying the key is not one of api_keys.</summary>
    private static async Task LoginAsync(HttpContext http, ViewerAccess access)
    {
        string? problem = null;
        if (HttpMethods.IsPost(http.Request.Method))
        {
            var form = http.Request.HasFormContentType ? await http.Request.ReadFormAsync(http.RequestAborted).ConfigureAwait(false) : null;
            if (access.Match(form?["key"]) is { } key)
            {
                http.Response.Cookies.Append(ViewerAccess.Cookie, access.Login(key), new CookieOptions
                {
                    HttpOnly = true,
                    SameSite = SameSiteMode.Strict,
                    Secure = http.Request.IsHttps,
                    Path = "/",
                    MaxAge = ViewerAccess.SessionLength,
                });
                http.Response.Redirect("/");
                return;
            }

            problem = "That key is not one of this distlogd's api_keys.";
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
        }

        http.Response.ContentType = "text/html; charset=utf-8";
        await http.Response.WriteAsync(LoginPage(problem), http.RequestAborted).ConfigureAwait(false);
    }

    private static string LoginPage(string? problem) =>
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>distlog — log in</title>" +
        "<link rel=\"stylesheet\" href=\"/app.css\"></head>\n<body><main class=\"login\">\n<h1>distlog</h1>\n" +
        "<form method=\"post\" action=\"/login\">\n<label for=\"key\">API key</label>\n" +
        "<input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" autofocus required>\n" +
        "<button type=\"submit\">Log in</button>\n</form>\n" +
        (problem is null ? string.Empty : $"<p id=\"login-error\" class=\"error\">{System.Net.WebUtility.HtmlEncode(problem)}</p>\n") +
        "<p class=\"hint\">Ask whoever runs this distlogd for a key (its api_keys); scripts send it as Authorization: Bearer KEY.</p>\n" +
        "</main></body></html>\n";

    /// <summary>The page: index.html at <c>/</c>, and every other file of wwwroot (its style sheet and its JavaScript
    /// modules) under its own name.</summary>
    private static void MapPage(WebApplication app)
    {
        foreach (string name in typeof(ViewerServer).Assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            string file = name["wwwroot/".Length..];
            string type = System.IO.Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                _ => "application/octet-stream",
            };
            byte[] content = Resource(file);
            app.MapGet(file == "index.html" ? "/" : "/" + file, () => Results.Bytes(content, type));
        }
    }

    private static byte[] Resource(string file)
    {
        using var stream = typeof(ViewerServer).Assembly.GetManifestResourceStream("wwwroot/" + file)
            ?? throw new InvalidOperationException($"the viewer's {file} is missing from its assembly");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private static void MapApi(WebApplication app, IRecordStore store, LiveFeed feed)
    {
        // A filter that cannot be read is the caller's mistake: 400 with what was wrong, never a 500.
        app.Use(async (http, next) =>
        {
            try
            {
                await next(http).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException && !http.Response.HasStarted)
            {
                await Error(http, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            }
        });

        app.MapGet("/api/records", async (HttpContext http) =>
        {
            var query = Parse(http.Request.Query) with { Limit = Math.Clamp(Int(http.Request.Query["limit"], 100), 1, RecordQuery.MaxLimit), Cursor = http.Request.Query["cursor"] };
            var page = await store.QueryAsync(query, http.RequestAborted).ConfigureAwait(false);
            await Json(http, w => ViewerJson.WritePage(w, page)).ConfigureAwait(false);
        });

        app.MapGet("/api/tree/{id}", async (string id, HttpContext http) =>
        {
            int limit = Math.Clamp(Int(http.Request.Query["limit"], RecordStoreExtensions.DefaultTreeLimit), 1, RecordStoreExtensions.DefaultTreeLimit);
            // One scope of the task: only it and what is below it are read.
            string? scopeId = http.Request.Query["scope"];
            if (scopeId is not null && TaskIds.RootOf(scopeId) != TaskIds.RootOf(id))
            {
                await Error(http, StatusCodes.Status400BadRequest, $"scope '{scopeId}' is not in task '{id}'").ConfigureAwait(false);
                return;
            }

            var tree = scopeId is null
                ? await store.GetTaskTreeAsync(id, limit, http.RequestAborted).ConfigureAwait(false)
                : await store.GetScopeTreeAsync(scopeId, limit, http.RequestAborted).ConfigureAwait(false);
            var shown = scopeId is null ? tree?.Root : tree?.Scopes.FirstOrDefault(s => s.Id == scopeId);
            if (tree is null || shown is null)
            {
                await Error(http, StatusCodes.Status404NotFound, scopeId is null ? $"no records of task '{id}'" : $"no records of scope '{scopeId}'").ConfigureAwait(false);
                return;
            }

            bool fold = tree.RecordCount > Int(http.Request.Query["fold"], int.MaxValue);
            await Json(http, w => ViewerJson.WriteTree(w, tree, shown, fold)).ConfigureAwait(false);
        });

        app.MapGet("/api/tasks", async (HttpContext http) =>
        {
            var query = Parse(http.Request.Query);
            int wanted = Math.Clamp(Int(http.Request.Query["limit"], 50), 1, 500);
            var tasks = await store.ListTasksAsync(query, wanted, http.RequestAborted).ConfigureAwait(false);
            await Json(http, w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("tasks");
                foreach (var task in tasks)
                {
                    ViewerJson.WriteTaskSummary(w, task);
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }).ConfigureAwait(false);
        });

        app.MapGet("/api/live", async (HttpContext http) =>
        {
            string? task = http.Request.Query["task"];
            string? root = task is null ? null : TaskIds.RootOf(task);
            bool brief = http.Request.Query["brief"] == "true";
            RecordQuery? filter;
            try
            {
                filter = string.IsNullOrWhiteSpace(http.Request.Query["q"]) ? null : RecordQueryLanguage.Parse(http.Request.Query["q"]);
            }
            catch (FormatException ex)
            {
                await Error(http, StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
                return;
            }

            using var subscription = feed.Subscribe();
            if (subscription is null)
            {
                await Error(http, StatusCodes.Status503ServiceUnavailable, $"{LiveFeed.MaxSubscribers} live pages are open already; close one, or try again").ConfigureAwait(false);
                return;
            }

            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";

            // A page that reconnects says the last record it had: what it missed comes from the journal's tail first.
            // Subscribed before the tail is read, so nothing falls between; what the tail gave is skipped live.
            JournalMark? last = null;
            IReadOnlyList<Item> missed = [];
            if (feed.Tail is { } tail && JournalMark.TryParse(http.Request.Headers["Last-Event-ID"].ToString() is { Length: > 0 } header ? header : http.Request.Query["from"], out var from))
            {
                missed = tail(from, 10_000);
                last = missed.Count > 0 ? missed[^1].Mark : from;
            }

            // An open page must not hold the daemon's stop: the stream ends when the server stops, too.
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, app.Lifetime.ApplicationStopping);
            var reader = subscription.Reader;
            try
            {
                await http.Response.WriteAsync(": live\n\n", ended.Token).ConfigureAwait(false);
                await WriteAsync(missed).ConfigureAwait(false);
                while (await reader.WaitToReadAsync(ended.Token).ConfigureAwait(false))
                {
                    var items = new List<Item>();
                    while (reader.TryRead(out var item))
                    {
                        if (last is not { } seen || item.Mark is not { } mark || mark.CompareTo(seen) > 0)
                        {
                            items.Add(item);
                        }
                    }

                    await WriteAsync(items).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                // The page went away, or the daemon is stopping.
            }

            async Task WriteAsync(IReadOnlyList<Item> items)
            {
                using var buffer = new MemoryStream();
                foreach (var item in items)
                {
                    if ((root is not null && item.Record.Context?.ParsedKey?.RootId != root) || filter?.Matches(item.System, item.Record) == false)
                    {
                        continue;
                    }

                    if (item.Mark is { } mark)
                    {
                        buffer.Write(System.Text.Encoding.ASCII.GetBytes($"id: {mark}\n"));
                    }

                    buffer.Write("data: "u8);
                    using (var w = new Utf8JsonWriter(buffer))
                    {
                        if (brief)
                        {
                            ViewerJson.WriteBrief(w, item.System, item.Record);
                        }
                        else
                        {
                            ViewerJson.WriteRecord(w, "live", item.System, item.Record);
                        }
                    }

                    buffer.Write("\n\n"u8);
                }

                if (buffer.Length > 0 || items.Count == 0)
                {
                    await http.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), ended.Token).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(ended.Token).ConfigureAwait(false);
                }
            }
        });
    }

    private static void MapLevels(WebApplication app, ILevelControl? control)
    {
        // Without the control server (control: off) these answer 503 with the reason, not 404: the paths exist.
        async Task<bool> Available(HttpContext http)
        {
            if (control is not null)
            {
                return true;
            }

            await Error(http, StatusCodes.Status503ServiceUnavailable, "level control is off (control: off in distlogd's configuration)").ConfigureAwait(false);
            return false;
        }

        app.MapGet("/api/levels", async (HttpContext http) =>
        {
            if (await Available(http).ConfigureAwait(false))
            {
                var now = DateTimeOffset.UtcNow;
                await Json(http, w => ViewerJson.WriteRules(w, control!.Rules, now)).ConfigureAwait(false);
            }
        });

        app.MapPost("/api/levels", async (HttpContext http) =>
        {
            if (!await Available(http).ConfigureAwait(false))
            {
                return;
            }

            using var body = new MemoryStream();
            await http.Request.Body.CopyToAsync(body, http.RequestAborted).ConfigureAwait(false);
            var request = LevelRuleRequest.FromJson(body.ToArray()); // a FormatException is answered 400 with its message
            if (request.By is null)
            {
                request = request with { By = "http " + http.Connection.RemoteIpAddress };
            }

            var rule = await control!.SetAsync(request, http.RequestAborted).ConfigureAwait(false);
            http.Response.StatusCode = StatusCodes.Status201Created;
            await Json(http, w => ControlMessage.WriteRule(w, rule, DateTimeOffset.UtcNow)).ConfigureAwait(false);
        });

        async Task Clear(HttpContext http, string? id)
        {
            if (!await Available(http).ConfigureAwait(false))
            {
                return;
            }

            if (id is null && http.Request.Query["all"] != "true")
            {
                await Error(http, StatusCodes.Status400BadRequest, "name a rule (DELETE /api/levels/{id}), or clear them all with ?all=true").ConfigureAwait(false);
                return;
            }

            string by = http.Request.Query["by"].FirstOrDefault() ?? "http " + http.Connection.RemoteIpAddress;
            int cleared = await control!.ClearAsync(id, by, http.RequestAborted).ConfigureAwait(false);
            if (id is not null && cleared == 0)
            {
                await Error(http, StatusCodes.Status404NotFound, $"no level rule '{id}'").ConfigureAwait(false);
                return;
            }

            await Json(http, w => { w.WriteStartObject(); w.WriteNumber("cleared", cleared); w.WriteEndObject(); }).ConfigureAwait(false);
        }

        app.MapDelete("/api/levels/{id}", (string id, HttpContext http) => Clear(http, id));
        app.MapDelete("/api/levels", (HttpContext http) => Clear(http, null));

        app.MapGet("/api/components", async (HttpContext http) =>
        {
            if (await Available(http).ConfigureAwait(false))
            {
                await Json(http, w => ViewerJson.WriteComponents(w, control!.Components, control.Counters)).ConfigureAwait(false);
            }
        });
    }

    private static Task Error(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        return Json(http, w => { w.WriteStartObject(); w.WriteString("error", message); w.WriteEndObject(); });
    }

    /// <summary>Writes a JSON answer straight to the response: <see cref="ViewerJson.WriteRecord"/> sends what is
    /// written every 64 KiB (synchronously: the writers are synchronous), so no answer is held whole in memory.</summary>
    private static async Task Json(HttpContext http, Action<Utf8JsonWriter> write)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } body)
        {
            body.AllowSynchronousIO = true;
        }

        var writer = new Utf8JsonWriter(http.Response.Body);
        await using (writer.ConfigureAwait(false))
        {
            write(writer);
            await writer.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
    }

    private static int Int(string? text, int fallback) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : fallback;

    /// <summary>The filters of a request: <c>q=</c> in the query language (<see cref="RecordQueryLanguage"/>), and the
    /// parameters (<see cref="RecordQueryText"/>), all of which must hold.</summary>
    /// <exception cref="FormatException">A filter cannot be read; the API answers 400 with the message.</exception>
    private static RecordQuery Parse(IQueryCollection q) => RecordQueryLanguage.Combine(
        RecordQueryLanguage.Parse(q["q"]),
        RecordQueryText.Parse(name => q[name], q["context"].OfType<string>()));
}
