using Microsoft.Extensions.Logging.Console;

namespace LiveVote.Server.Telemetry;

/// <summary>
/// The console log's shape, from <c>Logging:Console:FormatterName</c>: <c>json</c> (one object per line with trace and
/// span ids, for a log shipper), <c>simple</c> (one readable line per entry) or <c>systemd</c> (syslog-prefixed lines
/// for journald). Unset: <c>simple</c> in Development and when stdout is a terminal (a person reads it), <c>json</c>
/// otherwise (production: stdout goes to a file, a pipe or journald, and a machine reads it).
/// <para>
/// Each formatter's options are set here; the formatter is only chosen when the configuration names none. The old
/// setup called <c>AddJsonConsole</c>, which forces the JSON formatter after the configuration is bound, so the
/// documented key was ignored.
/// </para>
/// </summary>
internal static class ConsoleLogs
{
    public const string FormatterKey = "Logging:Console:FormatterName";

    private static readonly string[] Formatters = [ConsoleFormatterNames.Simple, ConsoleFormatterNames.Json, ConsoleFormatterNames.Systemd];

    public static void Add(WebApplicationBuilder builder)
    {
        var configured = builder.Configuration[FormatterKey];
        if (string.IsNullOrWhiteSpace(configured))
        {
            var formatter = DefaultFormatter(builder.Environment.IsDevelopment(), stdoutIsTerminal: !Console.IsOutputRedirected);
            builder.Logging.AddConsole(console => console.FormatterName = formatter);
        }
        else if (!Formatters.Contains(configured, StringComparer.OrdinalIgnoreCase))
        {
            // The console logger would quietly fall back to simple lines, which a log shipper cannot parse.
            throw new Hosting.BadConfigurationException(FormatterKey, $"'{configured}' is not a console log format (use simple, json or systemd).");
        }

        builder.Services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.IncludeScopes = true;
            json.UseUtcTimestamp = true;
            json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
        builder.Services.Configure<SimpleConsoleFormatterOptions>(simple =>
        {
            // One line per entry, so a terminal shows as many entries as it has lines, and grep finds whole entries.
            simple.SingleLine = true;
            simple.UseUtcTimestamp = true;
            simple.TimestampFormat = "HH:mm:ss.fff ";
        });
    }

    /// <summary>The formatter used when <c>Logging:Console:FormatterName</c> is not set.</summary>
    public static string DefaultFormatter(bool development, bool stdoutIsTerminal) =>
        development || stdoutIsTerminal ? ConsoleFormatterNames.Simple : ConsoleFormatterNames.Json;
}
