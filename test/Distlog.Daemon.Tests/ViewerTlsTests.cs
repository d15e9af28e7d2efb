using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Distlog.Daemon.Tests.Support;
using Xunit;

namespace Distlog.Daemon.Tests;

/// <summary>The viewer over HTTPS, with a certificate and key in PEM files through Kestrel's certificate settings.</summary>
public sealed class ViewerTlsTests
{
    [Fact]
    public async Task AnHttpsViewer_ServesWithItsCertificate_AndAPlainRequestGetsNoPage()
    {
        string folder = Directory.CreateTempSubdirectory("distlog-tls-").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(folder, "viewer.pem"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder, "viewer.key"), key.ExportPkcs8PrivateKeyPem());

            await using var daemon = await RunningDaemon.StartAsync(
                $"viewer: https://127.0.0.1:0\nviewer_tls:\n  certificate: {folder}/viewer.pem\n  key: {folder}/viewer.key\n", topLevel: true, sqlite: true);
            string address = daemon.Host.ViewerAddress!;
            Assert.StartsWith("https://", address, StringComparison.Ordinal);

            X509Certificate2? seen = null;
            using var handler = new HttpClientHandler
            {
                ServerCertificateCustomValidationCallback = (_, presented, _, _) =>
                {
                    seen = presented is null ? null : X509CertificateLoader.LoadCertificate(presented.RawData);
                    return presented?.Thumbprint == certificate.Thumbprint;
                },
            };
            using var https = new HttpClient(handler);
            using var page = await https.GetAsync(address + "/api/tasks");
            Assert.True(page.IsSuccessStatusCode, $"{(int)page.StatusCode}");
            Assert.Equal(certificate.Thumbprint, seen?.Thumbprint);

            // The same port over plain HTTP answers no page: Kestrel drops a request that is not TLS.
            using var plain = new HttpClient();
            bool served;
            try
            {
                using var answer = await plain.GetAsync(address.Replace("https://", "http://", StringComparison.Ordinal) + "/api/tasks");
                served = answer.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                served = false;
            }

            Assert.False(served);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
