// distlog — the command-line viewer.
//   distlog tail  [--daemon ENDPOINT] [filters]         live records from distlogd's publish plugin
//   distlog tree  KEY-OR-TASK-ID [store] [--depth N]     the whole tree of one task, with durations and gaps
//   distlog query [store] [filters] [--json]            records, newest first
//   distlog level set [selectors] --level L [--ttl 10m] [--reason R]   central level rules (list, clear ID|--all)
//   distlog components [--json]                         the clients connected to distlogd
// A store is --sqlite PATH (the default: logs/distlog.db), --redis HOST:PORT, --mongodb URL or --file PATH (a
// JSON-lines file written by the file plugin, for working offline). Every command takes --help.
using System.CommandLine;
using System.CommandLine.Help;
using Distlog.Cli;

// Named "distlog", as installed (dotnet tool install Distlog.Cli), not after its assembly as a RootCommand would be.
var root = new Command("distlog", "see what a distributed system logged — live, as task trees, or by query.")
{
    new HelpOption(),
    new VersionOption(),
};
root.Subcommands.Add(Commands.Tail());
root.Subcommands.Add(Commands.Tree());
root.Subcommands.Add(Commands.Query());
root.Subcommands.Add(LevelCommands.Level());
root.Subcommands.Add(LevelCommands.Components());
return await root.Parse(args).InvokeAsync();
