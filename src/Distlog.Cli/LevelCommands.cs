using System.CommandLine;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Distlog.Protocol.Control;

namespace Distlog.Cli;

/// <summary>
/// <c>distlog level set|list|clear</c> and <c>distlog components</c>: the central level rules and the connected
/// clients, through distlogd's HTTP API (<c>/api/levels</c>, <c>/api/components</c>, served with the viewer).
/// </summary>
internal static class LevelCommands
{
    private const int Failure = 1;

    private static readonly Option<string> s_daemon = new("--daemon")
    {
        Description = "distlogd's HTTP address (its viewer)",
        DefaultValueFactory = _ => "http://127.0.0.1:5080",
    };

    private static readonly Option<bool> s_json = new("--json") { Description = "the daemon's JSON answer as it is, for scripts" };

    private static readonly Option<string?> s_token = new("--token")
    {
        Description = "an API key of distlogd's api_keys (default: $DISTLOG_TOKEN); changing levels needs an admin key",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("DISTLOG_TOKEN"),
    };

    public static Command Level()
    {
        var service = new Option<string?>("--service") { Description = "only this service" };
        var host = new Option<string?>("--host") { Description = "only this host" };
        var system = new Option<string?>("--system") { Description = "only this system: P, S or T" };
        var logger = new Option<string?>("--logger") { Description = "only loggers whose name starts with this" };
        var task = new Option<string?>("--task") { Description = "only this task and its subtasks, in every process (a task id or record key)" };
        var level = new Option<string>("--level") { Description = "the lowest level logged: Trace, Debug, Information, Warning, Error or Critical", Required = true };
        var ttl = new Option<string?>("--ttl") { Description = "how long the rule lasts (90s, 10m, 2h, 1d; default 30m); 0 until cleared" };
        var reason = new Option<string?>("--reason") { Description = "why, for the record and the other people" };
        var set = new Command("set", "Sets a level rule: the processes and loggers it selects log from that level on, until it expires or is cleared.")
        {
            service, host, system, logger, task, level, ttl, reason, s_daemon, s_token, s_json,
        };
        set.SetAction((result, token) => Run(async () =>
        {
            var request = new LevelRuleRequest(
                result.GetValue(service), result.GetValue(host), result.GetValue(system), result.GetValue(logger), result.GetValue(task),
                result.GetValue(level), result.GetValue(ttl), result.GetValue(reason), $"{Environment.UserName}@{Environment.MachineName} (distlog)");
            request.ToRule("check", DateTimeOffset.UtcNow); // a mistake is said here, before asking the daemon
            var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                request.WriteJson(writer);
            }

            using var content = new ByteArrayContent(buffer.ToArray());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var answer = await AskAsync(result, http => http.PostAsync("/api/levels", content, token), token);
            if (!PrintedJson(result, answer))
            {
                var rule = ControlMessage.ReadRule(answer.RootElement, DateTimeOffset.UtcNow, relative: true);
                Console.WriteLine($"set {rule.Id}: {Describe(rule)}");
            }

            return 0;
        }));

        var list = new Command("list", "The level rules in force, with the time each has left.") { s_daemon, s_token, s_json };
        list.SetAction((result, token) => Run(async () =>
        {
            using var answer = await AskAsync(result, http => http.GetAsync("/api/levels", token), token);
            if (PrintedJson(result, answer))
            {
                return 0;
            }

            var rules = ControlMessage.ReadRules(answer.RootElement, DateTimeOffset.UtcNow, relative: true);
            if (rules.Count == 0)
            {
                Console.WriteLine("no level rules");
            }

            foreach (var rule in rules)
            {
                Console.WriteLine($"{rule.Id}  {Describe(rule)}");
            }

            return 0;
        }));

        var id = new Argument<string?>("ID") { Description = "the rule's id (see distlog level list)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "clear every rule" };
        var clear = new Command("clear", "Clears one level rule, or all of them: the levels configured in each process apply again.") { id, all, s_daemon, s_token };
        clear.SetAction((result, token) => Run(async () =>
        {
            string? which = result.GetValue(id);
            if ((which is null) == !result.GetValue(all))
            {
                throw new ArgumentException("name a rule's ID, or --all");
            }

            string by = Uri.EscapeDataString($"{Environment.UserName}@{Environment.MachineName} (distlog)");
            string path = which is null ? $"/api/levels?all=true&by={by}" : $"/api/levels/{Uri.EscapeDataString(which)}?by={by}";
            using var answer = await AskAsync(result, http => http.DeleteAsync(path, token), token);
            Console.WriteLine($"cleared {answer.RootElement.GetProperty("cleared").GetInt32()} rule(s)");
            return 0;
        }));

        return new Command("level", "Central control of log levels: rules distlogd hands to every connected client, applied at once.") { set, list, clear };
    }

    public static Command Components()
    {
        var command = new Command("components", "The clients connected to distlogd now: who, since when, how many records a second, which rules select them.")
        {
            s_daemon, s_token, s_json,
        };
        command.SetAction((result, token) => Run(async () =>
        {
            using var answer = await AskAsync(result, http => http.GetAsync("/api/components", token), token);
            if (PrintedJson(result, answer))
            {
                return 0;
            }

            var components = answer.RootElement.GetProperty("components");
            if (components.GetArrayLength() == 0)
            {
                Console.WriteLine("no clients connected");
            }

            foreach (var c in components.EnumerateArray())
            {
                var since = c.GetProperty("connectedSince").GetDateTimeOffset().ToLocalTime();
                var rules = string.Join(",", c.GetProperty("rules").EnumerateArray().Select(r => r.GetString()));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Text(c, "service")}@{Text(c, "host")} pid {c.GetProperty("pid").GetInt32()} ({Text(c, "process")}, distlog {Text(c, "version")}, system {Text(c, "system")})  since {since:yyyy-MM-dd HH:mm:ss}  {c.GetProperty("recordsPerSecond").GetDouble():0.#} records/s  {c.GetProperty("recordsSent").GetInt64()} sent, {c.GetProperty("dropped").GetInt64()} dropped  rules: {(rules.Length == 0 ? "none" : rules)}"));
            }

            return 0;
        }));
        return command;
    }

    /// <summary>A rule in one line: its level, what it selects, how long it has left, why and by whom.</summary>
    public static string Describe(LevelRule rule)
    {
        var text = new StringBuilder(LevelRule.LevelName(rule.Level));
        text.Append(" for ").Append(Style.Visible(rule.Selects));
        text.Append(rule.ExpiresAt is { } end ? $", {Left(end - DateTimeOffset.UtcNow)} left" : ", until cleared");
        if (rule.Reason is not null)
        {
            text.Append(" (").Append(Style.Visible(rule.Reason)).Append(')');
        }

        if (rule.SetBy is not null)
        {
            text.Append(", set by ").Append(Style.Visible(rule.SetBy));
        }

        return text.ToString();
    }

    private static string Left(TimeSpan left) =>
        left <= TimeSpan.Zero ? "0s"
        : left.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalHours}h{left.Minutes:00}m")
        : string.Create(CultureInfo.InvariantCulture, $"{left.Minutes}m{left.Seconds:00}s");

    private static string Text(JsonElement e, string name) => Style.Visible(e.GetProperty(name).GetString() ?? string.Empty);

    /// <summary>Sends one request to distlogd's HTTP API (<c>--daemon</c>); its JSON answer.</summary>
    private static async Task<JsonDocument> AskAsync(ParseResult result, Func<HttpClient, Task<HttpResponseMessage>> send, CancellationToken token)
    {
        using var http = Client(result);
        using var response = await send(http);
        return await ReadAsync(response, token);
    }

    /// <summary>With <c>--json</c>, prints the daemon's answer as it is.</summary>
    private static bool PrintedJson(ParseResult result, JsonDocument answer)
    {
        if (result.GetValue(s_json))
        {
            Console.WriteLine(answer.RootElement.GetRawText());
            return true;
        }

        return false;
    }

    private static HttpClient Client(ParseResult result)
    {
        string daemon = result.GetValue(s_daemon)!;
        if (!Uri.TryCreate(daemon, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--daemon must be distlogd's HTTP address, such as http://127.0.0.1:5080; got '{daemon}'");
        }

        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        if (result.GetValue(s_token) is { Length: > 0 } token)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>The answer's JSON; an error answer becomes the daemon's own one-line message.</summary>
    private static async Task<JsonDocument> ReadAsync(HttpResponseMessage response, CancellationToken token)
    {
        byte[] body = await response.Content.ReadAsByteArrayAsync(token);
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
        }

        if (response.IsSuccessStatusCode && document is not null)
        {
            return document;
        }

        string? message = document is { RootElement.ValueKind: JsonValueKind.Object } d && d.RootElement.TryGetProperty("error", out var e) ? e.GetString() : null;
        document?.Dispose();
        throw new InvalidOperationException($"distlogd answered {(int)response.StatusCode}: {message ?? response.ReasonPhrase}");
    }

    private static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            await Console.Error.WriteLineAsync("distlog: distlogd's HTTP API did not answer within 10 s; is distlogd running with its viewer on, and is --daemon right?");
            return Failure;
        }
        catch (OperationCanceledException)
        {
            return Failure;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"distlog: distlogd's HTTP API did not answer ({ex.Message}); is distlogd running with its viewer on, and is --daemon right?");
            return Failure;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or JsonException or KeyNotFoundException)
        {
            await Console.Error.WriteLineAsync("distlog: " + ex.Message);
            return Failure;
        }
    }
}
