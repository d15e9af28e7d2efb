using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Xunit;

namespace Distlog.Tests;

/// <summary>The public API is frozen in ApprovedApi/*.approved.txt: a change to it must be deliberate.</summary>
public class PublicApiTests
{
    [Fact]
    public void Distlog_PublicApi_IsApproved() => Approve(typeof(DistlogTask).Assembly, "Distlog");

    internal static void Approve(System.Reflection.Assembly assembly, string name, [CallerFilePath] string callerPath = "")
    {
        string api = assembly.GeneratePublicApi(new ApiGeneratorOptions { ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] })
            .Replace("\r\n", "\n", StringComparison.Ordinal);
        string folder = Path.Combine(Path.GetDirectoryName(callerPath)!, "ApprovedApi");
        string approvedPath = Path.Combine(folder, name + ".approved.txt");
        string receivedPath = Path.Combine(folder, name + ".received.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).Replace("\r\n", "\n", StringComparison.Ordinal) : string.Empty;
        if (api != approved)
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of {name} changed. If that is intended, replace {approvedPath} with {receivedPath}.");
        }

        File.Delete(receivedPath);
    }
}
