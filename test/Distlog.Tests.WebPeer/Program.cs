// An ASP.NET Core service for the propagation tests, with no propagation code of its own: distlog is added, and
// OpenTelemetry traces into memory.
//   Distlog.Tests.WebPeer SERVICE PORT ENDPOINT [PRICING-URL]
// GET /order/{id} logs, and in a subtask calls PRICING-URL/price/widget through IHttpClientFactory;
// GET /price/{item} logs and answers. It prints "ready" once it listens; POST /shutdown ends it, and it then prints
// each span it traced as "span TRACE-ID SPAN-ID PARENT-SPAN-ID SOURCE STATUS NAME".
using System.Diagnostics;
using Distlog;
using OpenTelemetry.Trace;

string service = args[0], port = args[1], endpoint = args[2];
string? pricing = args.Length > 3 ? args[3] : null;

var spans = new List<Activity>();
var builder = WebApplication.CreateBuilder();
builder.Logging.ClearProviders()
    .AddDistlog(endpoint, o =>
    {
        o.ServiceName = service;
        o.ControlEndpoint = "off";
        o.FlushTimeout = TimeSpan.FromSeconds(30);
    })
    .SetMinimumLevel(LogLevel.Information);
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
builder.Services.AddHttpClient();
builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
    .AddSource(DistlogTask.ActivitySourceName, "Microsoft.AspNetCore", "System.Net.Http")
    .AddInMemoryExporter(spans));

var app = builder.Build();
app.MapGet("/order/{id}", async (int id, IHttpClientFactory clients, ILogger<Program> logger) =>
{
    logger.LogInformation("taking order {OrderId}", id);
    string price;
    using (logger.BeginSubtask("price the basket"))
    {
        price = await clients.CreateClient().GetStringAsync(new Uri(pricing + "/price/widget"));
        logger.LogInformation("pricing answered {Price}", price);
    }

    return $"order {id}: {price}";
});
app.MapGet("/price/{item}", (string item, ILogger<Program> logger) =>
{
    logger.LogInformation("pricing {Item}", item);
    return "7.50";
});
app.MapPost("/shutdown", (IHostApplicationLifetime lifetime) =>
{
    lifetime.StopApplication();
    return Results.Ok();
});
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("ready"));
await app.RunAsync();

// The provider flushes the exporter when the host is disposed.
await app.DisposeAsync();
foreach (var span in spans)
{
    Console.WriteLine($"span {span.TraceId} {span.SpanId} {span.ParentSpanId} {span.Source.Name} {span.Status} {span.DisplayName}");
}

return 0;
