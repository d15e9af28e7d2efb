// dotnet Distlog.Fuzz.dll TARGET — one fuzz target under afl++ (scripts/fuzz.sh instruments the assemblies and runs
// afl-fuzz). An exception that the target does not allow ends the run as a crash, which afl-fuzz keeps.
// Nothing instrumented may run before the fuzzer has set up its coverage map: the target is looked up inside it.
using Distlog.Fuzz;
using SharpFuzz;

if (args.Length != 1)
{
    Console.Error.WriteLine("usage: Distlog.Fuzz TARGET (the names of fuzz/corpus/)");
    return 2;
}

string name = args[0];
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    FuzzTargets.All[name](copy.ToArray());
});
return 0;
