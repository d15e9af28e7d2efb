using Distlog.Fuzz;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>
/// Every input of the fuzz corpus (<c>fuzz/corpus/TARGET</c>) and every crash afl-fuzz found
/// (<c>fuzz/regressions/TARGET</c>), replayed through its target: none may throw an exception the target does not
/// allow. The fuzz job itself is <c>scripts/fuzz.sh</c>.
/// </summary>
public sealed class FuzzRegressionTests
{
    public static TheoryData<string, string> Inputs()
    {
        var inputs = new TheoryData<string, string>();
        foreach (string kind in (string[])["corpus", "regressions"])
        {
            string root = Path.Combine(AppContext.BaseDirectory, "Fuzz", kind);
            foreach (string folder in Directory.Exists(root) ? Directory.GetDirectories(root) : [])
            {
                string target = Path.GetFileName(folder);
                if (target == "seeded")
                {
                    continue; // its bug is planted for the fuzz job to find
                }

                foreach (string file in Directory.GetFiles(folder))
                {
                    inputs.Add(target, Path.GetRelativePath(AppContext.BaseDirectory, file));
                }
            }
        }

        return inputs;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void FuzzInput_IsHandledWithoutAnUnexpectedException(string target, string file)
    {
        byte[] data = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file));
        FuzzTargets.All[target](data); // an exception fails the test, naming the input
    }

    [Fact]
    public void EveryTargetHasACorpus()
    {
        foreach (string target in FuzzTargets.All.Keys)
        {
            Assert.True(Directory.Exists(Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus", target)), $"fuzz/corpus/{target} is missing");
        }
    }
}
