using System.Collections.Concurrent;
using Distlog.Daemon.Configuration;
using Distlog.Plugins;
using Microsoft.Extensions.Logging;
using Xunit;

namespace Distlog.Daemon.Tests;

public class PluginReportTests
{
    [Fact]
    public async Task WhatAPluginReports_IsLoggedAsAWarningNamingThePlugin()
    {
        var lines = new ConcurrentQueue<(LogLevel Level, string Text)>();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new Capture(lines)));
        var config = ConfigLoader.Parse("listen: tcp://127.0.0.1:*\nstats_endpoint: off\ncontrol: off\nviewer: off\nplugins:\n  - type: reporter\n", "test.yaml");
        var extra = new Dictionary<string, Func<PluginSettings, IDistlogPlugin>> { ["reporter"] = settings => new Reporter(settings) };

        await using var host = new DaemonHost(config, loggers, extra);

        var (level, text) = Assert.Single(lines, l => l.Text.Contains("the disk is on fire", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, level);
        Assert.Contains("reporter", text, StringComparison.Ordinal);
    }

    private sealed class Reporter : IDistlogPlugin
    {
        public Reporter(PluginSettings settings) => settings.Report("the disk is on fire");

        public Task HandleAsync(IReadOnlyList<ReceivedRecord> batch, CancellationToken cancellationToken) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class Capture(ConcurrentQueue<(LogLevel, string)> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue((logLevel, formatter(state, exception)));

        public void Dispose()
        {
        }
    }
}
