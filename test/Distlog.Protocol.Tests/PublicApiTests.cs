using PublicApiGenerator;
using Xunit;

namespace Distlog.Protocol.Tests;

/// <summary>The public API is frozen in ApprovedApi/*.approved.txt: a change to it must be deliberate.</summary>
public class PublicApiTests
{
    [Fact]
    public void Protocol_PublicApi_IsApproved()
    {
        string api = typeof(LogRecord).Assembly.GeneratePublicApi(new ApiGeneratorOptions { ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute"] })
            .Replace("\r\n", "\n", StringComparison.Ordinal);
        string folder = Path.Combine(SourceFolder(), "ApprovedApi");
        string approvedPath = Path.Combine(folder, "Distlog.Protocol.approved.txt");
        string receivedPath = Path.Combine(folder, "Distlog.Protocol.received.txt");
        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).Replace("\r\n", "\n", StringComparison.Ordinal) : string.Empty;
        if (api != approved)
        {
            File.WriteAllText(receivedPath, api);
            Assert.Fail($"The public API of Distlog.Protocol changed. If that is intended, replace {approvedPath} with {receivedPath}.");
        }

        File.Delete(receivedPath);
    }

    private static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
