// A second process for the cross-process tests: continues a task handed over on the command line.
//   Distlog.Tests.Peer import ENDPOINT FOREIGN_ID   imports the task, logs, runs one subtask, exits
//   Distlog.Tests.Peer flood ENDPOINT COUNT         logs COUNT records in one task and exits at once
using Distlog;
using Microsoft.Extensions.Logging;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Distlog.Tests.Peer import|flood ENDPOINT ARG");
    return 2;
}

string mode = args[0];
string endpoint = args[1];
using (var factory = LoggerFactory.Create(logging => logging
    .AddDistlog(endpoint, o => { o.ServiceName = "peer"; o.FlushTimeout = TimeSpan.FromSeconds(30); })
    .SetMinimumLevel(LogLevel.Trace)))
{
    var logger = factory.CreateLogger("Peer");
    switch (mode)
    {
        case "import":
            using (var remote = logger.ImportTask(args[2], "continued processing", new { host = "peer-host" }))
            {
                logger.LogInformation("working on {Item}", "remote item");
                using (var sub = logger.BeginSubtask("remote subtask", new { step = 1 }))
                {
                    logger.LogDebug("inside remote subtask");
                }

                remote.Success("remote part done");
            }

            break;
        case "flood":
            int count = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            using (logger.BeginTask("flood", new { count }))
            {
                for (int i = 0; i < count; i++)
                {
                    logger.LogInformation("record {Index}", i);
                }
            }

            break;
        default:
            Console.Error.WriteLine("unknown mode " + mode);
            return 2;
    }
}

Console.WriteLine("peer done");
return 0;
