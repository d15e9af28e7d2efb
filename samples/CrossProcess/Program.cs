// One task across two processes, the seed's "a service, possibly executing on another host, is displayed as a
// subtask", with no code to carry it: the front takes an order, starts the back service as a second process, and asks
// it for a price over HTTP. The front's HttpClient has distlog's propagation handler (IHttpClientFactory clients have
// it by themselves), and the back is ASP.NET Core with distlog added: each request it serves continues the caller's
// task, the framework's own request records included.
//
//   dotnet run --project samples/CrossProcess [-- DAEMON-ENDPOINT]      the front (it starts the back itself)
//   then: dotnet run --project src/Distlog.Cli -- tree <the key it prints>
using System.Diagnostics;
using Distlog;

string endpoint = args.Length > 1 && args[0] == "back" ? args[2] : args.Length > 0 ? args[0] : DistlogOptions.DefaultEndpoint;

if (args.Length > 1 && args[0] == "back")
{
    // The back service: ASP.NET Core on a loopback port chosen by the front.
    var builder = WebApplication.CreateBuilder();
    builder.Logging.ClearProviders().AddDistlog(endpoint, o => o.ServiceName = "pricing").SetMinimumLevel(LogLevel.Information);
    builder.WebHost.UseUrls($"http://127.0.0.1:{args[1]}");
    var app = builder.Build();
    app.MapGet("/price/{item}", (string item, ILogger<Pricing> logger) =>
    {
        logger.LogInformation("reading the price list for {Item}", item);
        decimal price;
        using (var sub = logger.BeginSubtask("apply discounts", new { customer = "leo" }))
        {
            price = item.Length * 1.25m;
            logger.LogInformation("discount {Percent}% applied", 10);
            sub.Success("discounts applied");
        }

        logger.LogInformation("priced {Item} at {Price}", item, price);
        return Results.Ok(price);
    });

    // The front ends the back this way, so the host stops cleanly and distlog delivers what is queued.
    app.MapPost("/shutdown", (IHostApplicationLifetime lifetime) =>
    {
        lifetime.StopApplication();
        return Results.Ok();
    });
    app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("ready"));
    app.Run();
    return 0;
}

// The front: one task for the order; the call to the back is a subtask whose inner part runs over there.
using var factory = LoggerFactory.Create(b => b.AddDistlog(endpoint, o => o.ServiceName = "shop").SetMinimumLevel(LogLevel.Information));
var log = factory.CreateLogger("Shop.Orders");
int port = FreePort();
using var back = StartBack(port, endpoint);
using var http = new HttpClient(new DistlogPropagationHandler(new SocketsHttpHandler())) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
string rootKey;
using (var order = log.BeginTask("order {OrderId}", new { order_id = 42, user = "leo" }, 42))
{
    rootKey = order.Id;
    log.LogInformation("validating the basket");
    using (log.BeginSubtask("ask pricing for {Item}", new { item = "widget" }, "widget"))
    {
        string price = await http.GetStringAsync(new Uri("/price/widget", UriKind.Relative));
        log.LogInformation("pricing answered {Price}", price);
    }

    log.LogWarning("stock low for {Item}", "widget");
    order.Success("order {OrderId} confirmed", 42);
}

await http.PostAsync(new Uri("/shutdown", UriKind.Relative), null);
if (!back.WaitForExit(TimeSpan.FromSeconds(30)))
{
    back.Kill(entireProcessTree: true);
}

Console.WriteLine($"order handled; see the whole task: distlog tree {rootKey}");
return 0;

static Process StartBack(int port, string endpoint)
{
    var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
    foreach (string arg in (string[])[typeof(Pricing).Assembly.Location, "back", port.ToString(System.Globalization.CultureInfo.InvariantCulture), endpoint])
    {
        start.ArgumentList.Add(arg);
    }

    // It says "ready" once it listens.
    var process = Process.Start(start)!;
    while (process.StandardOutput.ReadLine() is { } line && line != "ready")
    {
    }

    _ = process.StandardOutput.ReadToEndAsync();
    return process;
}

static int FreePort()
{
    var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    listener.Stop();
    return port;
}

/// <summary>The back service's logger category.</summary>
internal sealed class Pricing;
