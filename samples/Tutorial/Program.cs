// The seed's tutorial, in C#. Run distlogd (or anything that binds a ZeroMQ PULL socket) on the endpoint first;
// the console shows only what the seed's program prints, the records go to the daemon.
using Distlog;
using Microsoft.Extensions.Logging;

string endpoint = args.Length > 0 ? args[0] : DistlogOptions.DefaultEndpoint;
using (var factory = LoggerFactory.Create(logging => logging.AddDistlog(endpoint).SetMinimumLevel(LogLevel.Information)))
{
    var logger = factory.CreateLogger("root");
    using (var job = logger.BeginTask("toplevel", new { user = "leo" }))
    {
        Console.WriteLine("into task");
        logger.LogInformation("into task");
        using (var sub = logger.BeginSubtask("subtask", new { arg = 42 }))
        {
            Console.WriteLine("into subtask");
            logger.LogInformation("into task");
            sub.Success("subtask done");
        }
    }

    Console.WriteLine("all done");
    logger.LogInformation("all done");
} // disposing the factory delivers what is queued
