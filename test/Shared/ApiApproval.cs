using System.Reflection;
using System.Runtime.CompilerServices;
using PublicApiGenerator;
using Xunit;

namespace Distlog.Tests.Shared;

/// <summary>Compares an assembly's public API with the approved text beside the calling test; on a difference,
/// writes the new text as <c>*.received.txt</c> and fails. Compiled into each test project.</summary>
internal static class ApiApproval
{
    public static void Verify(Assembly assembly, [CallerFilePath] string callerPath = "")
    {
        string name = assembly.GetName().Name!;
        string api = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            // Which assemblies see the internals is not public API.
            ExcludeAttributes = ["System.Runtime.Versioning.TargetFrameworkAttribute", "System.Reflection.AssemblyMetadataAttribute", "System.Runtime.CompilerServices.InternalsVisibleToAttribute"],
        }).Replace("\r\n", "\n", StringComparison.Ordinal);
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
